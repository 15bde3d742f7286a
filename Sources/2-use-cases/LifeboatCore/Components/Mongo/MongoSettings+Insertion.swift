import LifeboatConfiguration
import MongoSource

extension MongoSettings {
    /// MONGO_RESTORE_WORKERS as the restorer takes it: a number is fixed,
    /// `auto` is measured against the server during the restore.
    var insertionParallelism: InsertionParallelism {
        restoreWorkers.map { .fixed($0) } ?? .automatic
    }
}
