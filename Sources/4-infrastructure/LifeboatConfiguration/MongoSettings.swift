/// Component `mongo`: the server, how it is dumped and restored, and its
/// Compose service.
public struct MongoSettings: Sendable {
    /// MONGO_URI (nil: the component is not configured).
    public var uri: String?
    /// VERIFY_MONGO_URI: the scratch server of `verify --deep` (nil: MONGO_URI).
    public var verifyURI: String?
    public var parallelCollections: Int
    /// MONGO_RESTORE_WORKERS: connections inserting at once (nil: auto, measured).
    public var restoreWorkers: Int?
    /// Capture the oplog written during a dump, for a consistent point in time.
    public var captureOplog: Bool
    /// Also back up admin.system.users and admin.system.roles.
    public var usersAndRoles: Bool
    /// LIFEBOAT_MONGO_SERVICE: the Compose service of the MongoDB container.
    public var service: String

    static func load(_ values: inout ConfigurationValues) -> MongoSettings {
        MongoSettings(uri: values.url("MONGO_URI"), verifyURI: values.url("VERIFY_MONGO_URI"),
                      parallelCollections: values.number("MONGO_PARALLEL_COLLECTIONS")!,
                      restoreWorkers: values.numberOrAuto("MONGO_RESTORE_WORKERS") ?? nil,
                      captureOplog: values.flag("MONGO_OPLOG"), usersAndRoles: values.flag("MONGO_USERS_AND_ROLES"),
                      service: values.text("LIFEBOAT_MONGO_SERVICE")!)
    }
}
