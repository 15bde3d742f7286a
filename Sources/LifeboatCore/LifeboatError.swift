import ByteStreams
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

    /// Maps any error from the lower layers to a user-facing one.
    public static func wrap(_ error: any Error, doing action: String) -> LifeboatError {
        switch error {
        case let error as LifeboatError:
            return error
        case let error as BackupJob.CopyFailure:
            return error.error
        case let error as RestoreJob.PartialFailure:
            return error.error
        case let error as BackupJob.ComponentMissing:
            return error.error
        case let error as ConfigurationError:
            return .init(.usage, error.description)
        case let error as SystemCallError where error.isNoSpace:
            return .init(.ioError, "\(action) failed: \(error)", hint: "free space on that disk or lower BACKUP_RETENTION_DAYS and run `lifeboat prune`; earlier sets are untouched")
        case let error as SystemCallError:
            return .init(.ioError, "\(action) failed: \(error)")
        case let error as StorageError:
            return .init(.failure, "\(action) failed: \(error)")
        case let error as MongoSourceError:
            let status: ExitStatus = error.kind == .invalidURI ? .usage : (error.kind == .data ? .dataError : .failure)
            return .init(status, "\(action) failed: \(Redaction.redactURLCredentials(in: error.message))", hint: error.hint)
        case let error as RedisSourceError:
            let status: ExitStatus
            switch error.kind {
            case .configuration: status = .usage
            case .refused where error.message.contains("holds"): status = .usage
            case .data: status = .dataError
            default: status = .failure
            }
            return .init(status, "\(action) failed: \(Redaction.redactURLCredentials(in: error.message))", hint: error.hint)
        case let error as RedisEndpoint.ParseError:
            return .init(.usage, "\(action) failed: REDIS_URL \(error.problem)")
        case let error as DockerError:
            return .init(.failure, "\(action) failed: \(error.message)", hint: error.hint)
        case let error as S3Error:
            let status: ExitStatus = error.kind == .integrity ? .ioError : .failure
            return .init(status, "\(action) failed: \(error)", hint: error.hint)
        case let error as S3ConfigurationError:
            return .init(.usage, "\(action) failed: \(error)")
        case let error as ArchiveFormatError:
            return .init(.dataError, "\(action) failed: \(error)")
        case let error as FileSourceError where error.isRefusal:
            return .init(.usage, "\(action) refused: \(error.path) \(error.problem)", hint: error.hint)
        case let error as FileSourceError:
            return .init(.failure, "\(action) failed: \(error)")
        default:
            let text = String(describing: error)
            if text.contains("refusing archive entry") { return .init(.dataError, "\(action) failed: \(text)") }
            return .init(.failure, "\(action) failed: \(text)")
        }
    }
}
