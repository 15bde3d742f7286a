import Foundation

/// The order to start a Compose project's services in: dependencies first,
/// from the `com.docker.compose.depends_on` label Compose v2 writes
/// (`db:service_started:false,redis:service_healthy:false`). Services
/// without the label (Compose v1) or in a cycle go in the last group.
public struct ComposeStartOrder: Sendable {
    /// Groups of service names; each group's dependencies are in earlier groups.
    public let groups: [[String]]

    public init(_ services: [(name: String, dependsOn: String?)]) {
        let names = Set(services.map(\.name))
        var remaining: [String: Set<String>] = [:]
        for service in services {
            let dependencies = (service.dependsOn ?? "").split(separator: ",").compactMap { entry -> String? in
                let name = String(entry.split(separator: ":").first ?? "").trimmingCharacters(in: .whitespaces)
                return names.contains(name) && name != service.name ? name : nil
            }
            remaining[service.name, default: []].formUnion(dependencies)
        }
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
