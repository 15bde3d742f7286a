import Foundation

/// The order to start a Compose project's services in: dependencies first,
/// from the `com.docker.compose.depends_on` label Compose v2 writes
/// (`db:service_started:false,redis:service_healthy:false`). Services
/// without the label (Compose v1) or in a cycle go in the last group.
public struct ComposeStartOrder: Sendable {
    /// Groups of service names; each group's dependencies are in earlier groups.
    public let groups: [[String]]
    /// Services another one waits for with `condition: service_healthy`.
    public let awaitedHealthy: Set<String>

    public init(_ services: [(name: String, dependsOn: String?)]) {
        let names = Set(services.map(\.name))
        var remaining: [String: Set<String>] = [:]
        var healthy: Set<String> = []
        for service in services {
            let dependencies = (service.dependsOn ?? "").split(separator: ",").compactMap { entry -> String? in
                let parts = entry.split(separator: ":").map { $0.trimmingCharacters(in: .whitespaces) }
                guard let name = parts.first, names.contains(name), name != service.name else { return nil }
                if parts.count > 1 && parts[1] == "service_healthy" { healthy.insert(name) }
                return name
            }
            remaining[service.name, default: []].formUnion(dependencies)
        }
        awaitedHealthy = healthy
        var groups: [[String]] = []
        var started: Set<String> = []
        while !remaining.isEmpty {
            let ready = remaining.filter { $0.value.isSubset(of: started) }.map(\.key).sorted()
            if ready.isEmpty {
                groups.append(remaining.keys.sorted())
                break
            }
            groups.append(ready)
            started.formUnion(ready)
            for name in ready { remaining[name] = nil }
        }
        self.groups = groups
    }
}
