/// The Docker engine and the Compose project around restores.
public struct DockerSettings: Sendable {
    /// DOCKER_HOST: the engine's socket.
    public var host: String
    /// Whether DOCKER_HOST was given (then an unreachable engine is an error, not a warning).
    public var hostExplicit: Bool
    /// COMPOSE_PROJECT_NAME (nil: the sidecar's own project).
    public var composeProject: String?
    /// Stop containers labelled lifeboat.stop-during-restore=true during restores.
    public var stopDuringRestore: Bool

    static func load(_ values: inout ConfigurationValues) -> DockerSettings {
        DockerSettings(host: values.url("DOCKER_HOST")!, hostExplicit: values.isGiven("DOCKER_HOST"),
                       composeProject: values.text("COMPOSE_PROJECT_NAME"), stopDuringRestore: values.flag("LIFEBOAT_STOP_DURING_RESTORE"))
    }
}
