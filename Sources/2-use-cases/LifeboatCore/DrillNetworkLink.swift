import ComposeStack
import DockerEngine
import Foundation

/// How production's backup service reaches the drill's data services: while
/// a drill runs, the drill project's MongoDB and Redis containers are
/// attached to the backup service's own networks under `drill-<service>`
/// only, and detached at the teardown. Its application containers are not
/// attached at all: an application on two networks would reach
/// production's `mongodb` and `redis` by those names.
///
/// Not through Compose (`networks:` in docker-compose.drill.yml): Compose
/// gives a container its service name on every network it joins, so the
/// drill's `mongodb` would answer to `mongodb` on production's network
/// beside production's own, and production's backend and backup service
/// would reach either at random: writes into the drill's database, lost at
/// its teardown; a backup of the drill instead of production. A drill
/// container found on production's network under such a name is refused.
struct DrillNetworkLink {
    static let prefix = "drill-"
    let client: DockerClient
    /// The backup service's user-defined networks (none when it runs
    /// outside a container, or with host networking).
    let networks: [String]

    init(client: DockerClient) {
        self.client = client
        let own = try? client.inspect(ProcessInfo.processInfo.hostName)
        networks = (own?.networks.keys.map { $0 } ?? []).filter { !["host", "bridge", "none"].contains($0) }.sorted()
    }

    /// Attaches the container before it starts; a refusal when it is already
    /// on production's network under a name production uses.
    func link(_ container: DockerClient.Container) throws {
        guard !networks.isEmpty else { return }
        let service = ComposeStack.serviceName(container)
        let alias = Self.prefix + service
        let attached = try client.inspect(container.Id).networks
        for network in networks {
            guard let names = attached[network] else {
                try client.connect(network: network, container: container.Id, aliases: [alias])
                continue
            }
            let shared = names.filter { !$0.hasPrefix(Self.prefix) && !container.Id.hasPrefix($0) && $0 != container.name }
            if !shared.isEmpty {
                throw LifeboatError(.usage,
                    "the drill's container \(container.name) is on production's network \(network) as '\(shared.joined(separator: "', '"))', the name production's own service answers to there: production could reach the drill's data instead of its own",
                    hint: "remove the `networks:` entries from docker-compose.drill.yml (Lifeboat attaches the drill's containers itself, as \(alias)), then recreate the drill project: docker compose -p \(container.Labels?[ComposeLabel.project] ?? "drill") -f docker-compose.prod.yml -f docker-compose.drill.yml up --no-start --force-recreate")
            }
        }
    }

    /// Detaches every container of the project from production's networks.
    func unlink(project: String) throws -> Int {
        guard !networks.isEmpty else { return 0 }
        var count = 0
        for container in try ComposeStack(client: client, project: project).members() {
            let attached = try client.inspect(container.Id).networks
            for network in networks where attached[network] != nil {
                try client.disconnect(network: network, container: container.Id)
                count += 1
            }
        }
        return count
    }
}
