import DockerEngine
import Foundation
import LifeboatConfiguration

/// The stack Lifeboat backs up, seen through the Docker engine: its Compose
/// project (COMPOSE_PROJECT_NAME, else the project of the container Lifeboat
/// itself runs in), its services' containers, which of them a restore
/// stops, and the order the application starts in.
public struct ComposeStack {
    public let client: DockerClient
    public let project: String?

    /// Connects to DOCKER_HOST and finds the project.
    public init(_ settings: Settings) throws {
        let client = try DockerClient(host: settings.docker.host)
        try client.negotiate()
        self.init(client: client, project: Self.project(settings, client))
    }

    public init(client: DockerClient, project: String?) {
        self.client = client
        self.project = project
    }

    /// COMPOSE_PROJECT_NAME, else the project of the container Lifeboat
    /// runs in (its hostname is the container id); nil outside Compose.
    public static func project(_ settings: Settings, _ client: DockerClient) -> String? {
        if let name = settings.docker.composeProject { return name }
        if let own = try? client.inspect(ProcessInfo.processInfo.hostName) {
            return own.Config.Labels?[ComposeLabel.project]
        }
        return nil
    }

    /// The Compose service a container belongs to (its name outside Compose).
    public static func serviceName(_ container: DockerClient.Container) -> String {
        container.Labels?[ComposeLabel.service] ?? container.name
    }

    /// The project's containers (every container with a project label when
    /// the project is unknown).
    public func members() throws -> [DockerClient.Container] {
        try client.containers(labels: project.map { [ComposeLabel.filter(ComposeLabel.project, $0)] } ?? [ComposeLabel.project])
    }

    /// The one container of a Compose service; an error naming what was
    /// found otherwise.
    public func service(_ name: String) throws -> DockerClient.Container {
        var labels = [ComposeLabel.filter(ComposeLabel.service, name)]
        if let project { labels.append(ComposeLabel.filter(ComposeLabel.project, project)) }
        let found = try client.containers(labels: labels)
        if found.count == 1 { return found[0] }
        if found.count > 1 {
            throw ComposeError(message: "\(found.count) containers are the Compose service '\(name)'\(project.map { " of project \($0)" } ?? ""): \(found.map(\.name).joined(separator: ", "))",
                               recoveryHint: "set COMPOSE_PROJECT_NAME to pick the project")
        }
        let all = try members()
        let listed = all.map { "\($0.name) (service \($0.Labels?[ComposeLabel.service] ?? "?"))" }.joined(separator: ", ")
        throw ComposeError(message: "no container of the Compose service '\(name)'\(project.map { " in project \($0)" } ?? "")",
                           recoveryHint: all.isEmpty ? "is the stack created (docker compose up --no-start)? set COMPOSE_PROJECT_NAME if the project differs"
                               : "found: \(listed); set LIFEBOAT_REDIS_SERVICE / LIFEBOAT_MONGO_SERVICE or COMPOSE_PROJECT_NAME")
    }

    /// The containers labelled `lifeboat.stop-during-restore=true` (in the
    /// project, when known).
    public func stoppedDuringRestore() throws -> [DockerClient.Container] {
        var labels = [ComposeLabel.filter(ComposeLabel.stopDuringRestore, "true")]
        if let project { labels.append(ComposeLabel.filter(ComposeLabel.project, project)) }
        return try client.containers(labels: labels)
    }

    /// The project's application: every container but the named (data)
    /// services, one-off runs and the one Lifeboat runs in.
    public func application(excluding services: Set<String>) throws -> [DockerClient.Container] {
        let own = ProcessInfo.processInfo.hostName
        return try members().filter { container in
            let labels = container.Labels ?? [:]
            return !services.contains(labels[ComposeLabel.service] ?? "")
                && labels[ComposeLabel.oneOff]?.lowercased() != "true"
                && !(own.count >= 12 && container.Id.hasPrefix(own))
        }
    }

    /// The order to start `containers` in, from the dependencies Compose recorded.
    public static func startOrder(_ containers: [DockerClient.Container]) -> ComposeStartOrder {
        ComposeStartOrder(containers.map { (serviceName($0), $0.Labels?[ComposeLabel.dependsOn]) })
    }
}
