import ComposeStack
import Testing

/// The order a rebuild starts the rest of the stack in, from Compose v2's
/// depends_on label; without it (Compose v1) everything at once.
@Suite struct ComposeStartOrderTests {
    @Test func dependenciesComeFirst() {
        let order = ComposeStartOrder([
            ("nginx", "backend:service_started:false"),
            ("backend", "mongodb:service_healthy:false,redis:service_started:false,worker:service_started:true"),
            ("worker", "redis:service_started:false"),
            ("backup", nil),
        ])
        // mongodb and redis are not among the services to start (already running): ignored.
        #expect(order.groups == [["backup", "worker"], ["backend"], ["nginx"]])
        #expect(order.awaitedHealthy == [])  // mongodb is not among them
        let healthy = ComposeStartOrder([("nginx", "backend:service_healthy:false"), ("backend", nil)])
        #expect(healthy.awaitedHealthy == ["backend"])
    }

    @Test func aCycleStillStartsEverything() {
        let order = ComposeStartOrder([("a", "b:service_started:false"), ("b", "a:service_started:false"), ("c", nil)])
        #expect(order.groups == [["c"], ["a", "b"]])
    }
}
