import ByteStreams
import ErrorCategories
import LifeboatConfiguration
import DockerEngine
import FileSources
import MongoArchive
import MongoSource
import RedisSource
import S3Storage
import Storage

/// An error a user reads: what failed, why, and what to do, with the exit
/// status it maps to. Built by static factories so new cases never break
/// callers.
public struct LifeboatError: Error, CustomStringConvertible, Sendable {
    public let status: ExitStatus
    public let message: String
    public let hint: String?

    public init(_ status: ExitStatus, _ message: String, hint: String? = nil) {
        self.status = status
        self.message = message
        self.hint = hint
    }

    public var description: String {
        hint.map { "\(message)\nhint: \($0)" } ?? message
    }

    public static func usage(_ message: String, hint: String? = nil) -> LifeboatError { .init(.usage, message, hint: hint) }
    public static func integrity(_ message: String, hint: String? = nil) -> LifeboatError { .init(.verificationFailed, message, hint: hint) }

    /// Maps any error from the lower layers to a user-facing one. The exit
    /// status comes from the error's own category (set by the module that
    /// threw it, `CategorizedError`), never from its type or its text; only
    /// the wording is chosen here.
    public static func wrap(_ error: any Error, doing action: String) -> LifeboatError {
        switch error {
        case let error as LifeboatError:
            return error
        case let error as BackupJob.CopyFailure:
            return error.error
        case let error as RestoreJob.PartialFailure:
            return error.error
        case let error as RestoreJob.UnusableCopy:
            return error.error
        case let error as BackupJob.ComponentMissing:
            return error.error
        case let error as ConfigurationError:
            return .init(ExitStatus(error.category), error.description)
        case let error as SystemCallError where error.isNoSpace:
            return .init(ExitStatus(error.category), "\(action) failed: \(error)",
                         hint: "free space on that disk or lower BACKUP_RETENTION_DAYS and run `lifeboat prune`; earlier sets are untouched")
        case let error as RedisEndpoint.ParseError:
            return .init(ExitStatus(error.category), "\(action) failed: REDIS_URL \(error.problem)")
        case let error as FileSourceError where error.isRefusal:
            return .init(ExitStatus(error.category), "\(action) refused: \(error.path) \(error.problem)", hint: error.hint)
        case let error as any CategorizedError:
            // Messages of the database clients may quote a URI: never its password.
            return .init(ExitStatus(error.category), "\(action) failed: \(Redaction.redactURLCredentials(in: error.description))", hint: error.recoveryHint)
        default:
            return .init(.failure, "\(action) failed: \(Redaction.redactURLCredentials(in: String(describing: error)))")
        }
    }
}
