import LifeboatConfiguration
import Foundation
import S3Storage
import Storage

/// The tiers the configuration names: the local folder always, S3 when
/// AWS_S3_BUCKET is set, and Glacier (the same bucket under `glacier/`, or
/// GLACIER_S3_BUCKET) with its archive storage class.
public struct Tiers: Sendable {
    public let local: LocalTier
    public let s3: S3Tier?
    public let glacier: S3Tier?

    public static let names = ["local", "s3", "glacier"]

    public init(_ settings: Settings) throws {
        local = LocalTier(root: settings.backupDirectory)
        guard let config = settings.storage.s3 else {
            s3 = nil
            glacier = nil
            return
        }
        let credentials = S3Credentials(accessKeyID: config.accessKeyID, secretAccessKey: config.secretAccessKey, sessionToken: config.sessionToken)
        var options = S3Options()
        options.partSize = config.partSizeMiB << 20
        options.parallelParts = config.parallelUploads
        options.maxAttempts = config.maxAttempts
        options.stallSeconds = config.stallSeconds
        options.operationTimeoutSeconds = config.timeoutSeconds
        do {
            let location = try S3Location(bucketAndPrefix: config.bucket, region: config.region, endpoint: config.endpoint, pathStyle: config.pathStyle)
            var s3Options = options
            s3Options.objectLock = settings.storage.objectLock.map { S3Options.ObjectLock(mode: $0, days: settings.storage.retention(for: "s3").days) }
            s3 = S3Tier(name: "s3", location: location, credentials: credentials, options: s3Options)
            var glacierLocation = location
            if let bucket = settings.storage.glacierBucket {
                glacierLocation = try S3Location(bucketAndPrefix: bucket, region: config.region, endpoint: config.endpoint, pathStyle: config.pathStyle)
            } else {
                glacierLocation.prefix += "glacier/"
            }
            var glacierOptions = options
            glacierOptions.storageClass = settings.storage.glacierStorageClass
            glacierOptions.objectLock = settings.storage.objectLock.map { S3Options.ObjectLock(mode: $0, days: settings.storage.retention(for: "glacier").days) }
            glacier = S3Tier(name: "glacier", location: glacierLocation, credentials: credentials, options: glacierOptions)
        } catch {
            throw LifeboatError.wrap(error, doing: "reading AWS_S3_BUCKET / AWS_ENDPOINT_URL")
        }
    }

    /// Every configured tier, local first.
    public var all: [any StorageTier] { [local] + remote }
    public var remote: [any StorageTier] { [s3, glacier].compactMap { $0 } }

    /// Where the named tiers (all when nil) are, for messages.
    public func locations(_ names: [String]?) -> [String] {
        all.filter { names?.contains($0.name) ?? true }.map(\.location)
    }

    public func named(_ name: String) throws -> any StorageTier {
        switch name {
        case "local": return local
        case "s3", "glacier":
            guard let tier = name == "s3" ? s3 : glacier else {
                throw LifeboatError.usage("the \(name) tier is not configured", hint: "set AWS_S3_BUCKET (and AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY; AWS_ENDPOINT_URL for S3-compatible servers)")
            }
            return tier
        default:
            throw LifeboatError.usage("'\(name)' is not a tier", hint: "tiers are local, s3 and glacier")
        }
    }

    /// Parses `s3,glacier` into tier names, checking each is configured.
    public func parseList(_ text: String) throws -> [String] {
        let names = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }.filter { !$0.isEmpty }
        for name in names { _ = try named(name) }
        return Array(NSOrderedSet(array: names)) as! [String]
    }

    /// What a backup copies to when not told: local (unless BACKUP_LOCAL=false)
    /// and S3 when configured. Glacier takes the weekly archives (`--tier glacier`).
    public func defaultTargets(_ settings: Settings) -> [String] {
        var names: [String] = []
        if settings.storage.keepLocal { names.append("local") }
        if s3 != nil { names.append("s3") }
        return names
    }
}
