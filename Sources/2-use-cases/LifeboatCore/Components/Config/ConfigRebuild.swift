import LifeboatConfiguration

/// Config in a rebuild (`--restore-config`): back in its original paths
/// first, before the data services start (they may read it).
struct ConfigRebuild: ComponentRebuild {
    var stepName: String { "config" }
    var beforeServices: Bool { true }
    var order: Int { 0 }

    func plan(_ target: RebuildRun.Located, _ settings: Settings) -> String { "write the config files back to their original paths" }

    func restore(_ target: RebuildRun.Located, in run: RebuildRun) throws -> String {
        _ = try run.restore(target, [.config], RestoreJob.Options(components: [.config], overwrite: true))
        return "config files back in their original paths"
    }
}
