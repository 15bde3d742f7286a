import LifeboatConfiguration
import Foundation
import HTTPClient
import S3Storage
import SFTPStorage
import Storage

/// The tiers the configuration names: the local folder always, S3 when
/// AWS_S3_BUCKET is set, Glacier (the same bucket under `glacier/`, or
/// GLACIER_S3_BUCKET) with its archive storage class, and each named
/// target of TARGETS (an S3-compatible bucket of its own, or SFTP).
public struct Tiers: Sendable {
    public let local: LocalTier
    public let s3: S3Tier?
    public let glacier: S3Tier?
    /// TARGETS, in their order.
    public let targets: [any StorageTier]
    /// The targets that are S3 buckets (those an archive class can thaw).
    let s3Targets: [String: S3Tier]
    /// Which sets each named target takes.
    let takes: [String: TargetSettings.Takes]
    /// RESTORE_ORDER and the rest: where a set is looked for.
    let lookupOrder: [String]

    public init(_ settings: Settings) throws {
        local = LocalTier(root: settings.backupDirectory)
        takes = Dictionary(uniqueKeysWithValues: settings.storage.targets.map { ($0.name, $0.takes) })
        lookupOrder = settings.storage.lookupOrder
        let made = try settings.storage.targets.map { ($0.name, try Self.tier(for: $0, settings)) }
        targets = made.map(\.1)
        s3Targets = Dictionary(uniqueKeysWithValues: made.compactMap { name, tier in (tier as? S3Tier).map { (name, $0) } })
        guard let config = settings.storage.s3 else {
            s3 = nil
            glacier = nil
            return
        }
        let credentials = S3Credentials(accessKeyID: config.accessKeyID, secretAccessKey: config.secretAccessKey, sessionToken: config.sessionToken)
        let options = Self.options(config)
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

    static func options(_ config: S3Settings) -> S3Options {
        var options = S3Options()
        options.partSize = config.partSizeMiB << 20
        options.parallelParts = config.parallelUploads
        options.maxAttempts = config.maxAttempts
        options.stallSeconds = config.stallSeconds
        options.operationTimeoutSeconds = config.timeoutSeconds
        return options
    }

    /// A named target's tier, from its TARGET_<NAME>_* settings.
    static func tier(for target: TargetSettings, _ settings: Settings) throws -> any StorageTier {
        let urlVariable = VariableSpec.targetVariable("TARGET_<NAME>_URL", target.name)
        switch target.place {
        case .s3(let config, let storageClass, let lock):
            var options = options(config)
            options.storageClass = storageClass == "STANDARD" ? nil : storageClass
            options.objectLock = lock.map { S3Options.ObjectLock(mode: $0, days: settings.storage.retention(for: target.name).days) }
            do {
                let location = try S3Location(bucketAndPrefix: config.bucket, region: config.region, endpoint: config.endpoint, pathStyle: config.pathStyle)
                return S3Tier(name: target.name, location: location,
                              credentials: S3Credentials(accessKeyID: config.accessKeyID, secretAccessKey: config.secretAccessKey, sessionToken: config.sessionToken),
                              options: options)
            } catch {
                throw LifeboatError.wrap(error, doing: "reading \(urlVariable)")
            }
        case .sftp(let sftp):
            do {
                let location = try SFTPLocation(url: sftp.url)
                let login = SFTPLogin(user: location.user, privateKeyFile: try PrivateFiles.path(sftp.privateKey, name: "\(target.name).key"),
                                      passphrase: sftp.passphrase, knownHostsFile: try PrivateFiles.path(sftp.knownHosts, name: "\(target.name).known_hosts"),
                                      stallSeconds: settings.storage.s3StallSeconds)
                return SFTPTier(name: target.name, location: location, login: login)
            } catch let error as SFTPConfigurationError {
                throw LifeboatError.usage("\(urlVariable): \(error.description)")
            }
        }
    }

    /// Every configured tier, local first, then in the default lookup order.
    public var all: [any StorageTier] { [local] + remote }
    /// The remote tiers: s3, the named targets, glacier.
    public var remote: [any StorageTier] { [s3].compactMap { $0 } + targets + [glacier].compactMap { $0 } }

    /// The tiers in the order a set is looked for (RESTORE_ORDER, then the rest).
    public var inLookupOrder: [any StorageTier] {
        lookupOrder.compactMap { name in all.first { $0.name == name } } + all.filter { !lookupOrder.contains($0.name) }
    }

    /// A tier kept in S3 by name (glacier, s3, or an s3:// target): what
    /// `thaw` asks to restore archived objects from.
    public func s3Tier(named name: String) throws -> S3Tier {
        if name == "glacier", let glacier { return glacier }
        if name == "s3", let s3 { return s3 }
        if let target = s3Targets[name] { return target }
        let tier = try named(name)
        throw LifeboatError.usage("the \(tier.name) tier (\(tier.location)) is not kept in S3: nothing there needs a thaw",
                                  hint: "thaw reads glacier, s3 or an s3:// target of TARGETS")
    }

    /// Every configured tier's name.
    public var names: [String] { all.map(\.name) }

    /// Where the named tiers (all when nil) are, for messages.
    public func locations(_ names: [String]?) -> [String] {
        all.filter { names?.contains($0.name) ?? true }.map(\.location)
    }

    public func named(_ name: String) throws -> any StorageTier {
        if let tier = all.first(where: { $0.name == name }) { return tier }
        switch name {
        case "s3", "glacier":
            throw LifeboatError.usage("the \(name) tier is not configured", hint: "set AWS_S3_BUCKET (and AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY; AWS_ENDPOINT_URL for S3-compatible servers)")
        default:
            throw LifeboatError.usage("'\(name)' is not a configured tier (the tiers here: \(names.joined(separator: ", ")))",
                                      hint: "a new place is named in TARGETS and configured by its TARGET_<NAME>_* variables (docs/configuration.md)")
        }
    }

    /// Parses `s3,glacier` into tier names, checking each is configured.
    public func parseList(_ text: String) throws -> [String] {
        let names = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }.filter { !$0.isEmpty }
        for name in names { _ = try named(name) }
        return Array(NSOrderedSet(array: names)) as! [String]
    }

    /// What a backup copies to when not told: local (unless BACKUP_LOCAL=false),
    /// S3 when configured, and the targets that take every set. Glacier
    /// and the archive targets take the weekly archives (`archiveTargets`).
    public func defaultTargets(_ settings: Settings) -> [String] {
        var names: [String] = []
        if settings.storage.keepLocal { names.append("local") }
        if s3 != nil { names.append("s3") }
        names += targets.map(\.name).filter { takes[$0] == .every }
        return names
    }

    /// What the weekly archive and the monthly snapshot go to besides the
    /// default targets: Glacier and the targets that take archives.
    public var archiveTargets: [String] {
        (glacier != nil ? ["glacier"] : []) + targets.map(\.name).filter { takes[$0] == .archive }
    }
}
