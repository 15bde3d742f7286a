import LifeboatConfiguration
import DockerEngine
import Foundation

/// Finds the stack's containers through the Docker engine: by Compose
/// service within the Compose project (COMPOSE_PROJECT_NAME, else the
/// sidecar's own container's project).
struct StackContainers {
    let client: DockerClient
    let project: String?

    init(_ settings: Settings) throws {
        client = try DockerClient(host: settings.dockerHost)
        try client.negotiate()
        project = try StopDuringRestore.project(settings, client)
    }

    /// The one container of a Compose service; a clear error naming what
    /// was found otherwise.
    func service(_ name: String) throws -> DockerClient.Container {
        var labels = ["com.docker.compose.service=\(name)"]
        if let project { labels.append("com.docker.compose.project=\(project)") }
        let found = try client.containers(labels: labels)
        if found.count == 1 { return found[0] }
        if found.count > 1 {
            throw LifeboatError(.failure, "\(found.count) containers are the Compose service '\(name)'\(project.map { " of project \($0)" } ?? ""): \(found.map(\.name).joined(separator: ", "))",
                                hint: "set COMPOSE_PROJECT_NAME to pick the project")
        }
        let all = try client.containers(labels: project.map { ["com.docker.compose.project=\($0)"] } ?? ["com.docker.compose.service"])
        let listed = all.map { "\($0.name) (service \($0.Labels?["com.docker.compose.service"] ?? "?"))" }.joined(separator: ", ")
        throw LifeboatError(.failure, "no container of the Compose service '\(name)'\(project.map { " in project \($0)" } ?? "")",
                            hint: all.isEmpty ? "is the stack created (docker compose up --no-start)? set COMPOSE_PROJECT_NAME if the project differs"
                                : "found: \(listed); set LIFEBOAT_REDIS_SERVICE / LIFEBOAT_MONGO_SERVICE or COMPOSE_PROJECT_NAME")
    }
}
