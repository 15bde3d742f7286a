/// The container labels Lifeboat reads: Compose's own, which say which
/// project and service a container is, and Lifeboat's one, which the
/// operator sets. Written here once; nothing else spells them.
public enum ComposeLabel {
    public static let project = "com.docker.compose.project"
    public static let service = "com.docker.compose.service"
    /// `docker compose run` containers (`true`): never part of the running stack.
    public static let oneOff = "com.docker.compose.oneoff"
    /// `db:service_started:false,redis:service_healthy:false` (Compose v2).
    public static let dependsOn = "com.docker.compose.depends_on"
    /// `true`: stopped while a restore writes the data it uses.
    public static let stopDuringRestore = "lifeboat.stop-during-restore"

    /// A label filter `name=value` for the engine's container list.
    public static func filter(_ name: String, _ value: String) -> String { "\(name)=\(value)" }
}
