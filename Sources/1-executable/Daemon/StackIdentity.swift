import ComposeStack
import DockerEngine
import LifeboatConfiguration

/// The Compose project this sidecar backs up, for the messages it sends:
/// COMPOSE_PROJECT_NAME, else the project of the container it runs in
/// (asked of the engine once), else none (outside Compose).
enum StackIdentity {
    static func project(_ settings: Settings) -> String? {
        guard let client = try? DockerClient(host: settings.docker.host) else { return settings.docker.composeProject }
        return ComposeStack.project(settings, client)
    }
}
