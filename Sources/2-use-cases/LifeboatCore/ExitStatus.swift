import ErrorCategories

/// The one table of exit statuses, shared by every verb and the README.
public enum ExitStatus: Int32, CaseIterable, Sendable {
    case success = 0
    /// The operation failed (an I/O error, a source that cannot be read, …).
    case failure = 1
    /// Nothing was found wrong, but not everything could be checked (a
    /// server down, no key, a tier unreachable): say which, try again.
    case notChecked = 2
    /// An artifact does not match its manifest: corrupt, truncated, missing.
    case verificationFailed = 3
    /// The backup completed and is kept, but a component is far smaller
    /// (or larger) than usual (BACKUP_SIZE_ANOMALY): check the source.
    case sizeAnomaly = 4
    /// Bad command-line usage or configuration (sysexits EX_USAGE).
    case usage = 64
    /// Input data is unusable: a hostile archive, an unreadable manifest (EX_DATAERR).
    case dataError = 65
    /// Out of disk space or another I/O failure of the backup folder (EX_IOERR).
    case ioError = 74
    /// Try again later (EX_TEMPFAIL): another Lifeboat run holds the lock, or a Glacier restore is still running.
    case busy = 75

    public var meaning: String {
        switch self {
        case .success: return "success"
        case .failure: return "the operation failed"
        case .notChecked: return "nothing was found wrong, but some checks could not run (a server down, no key, a tier unreachable)"
        case .verificationFailed: return "verification failed: an artifact does not match its manifest"
        case .sizeAnomaly: return "the backup is complete, but a component is far smaller or larger than usual (BACKUP_SIZE_ANOMALY)"
        case .usage: return "invalid command line or configuration"
        case .dataError: return "unusable input data (hostile archive, unreadable manifest)"
        case .ioError: return "out of disk space or I/O error in the backup folder"
        case .busy: return "try again later: another Lifeboat run holds the lock, or a thaw is in progress"
        }
    }
}

extension ExitStatus {
    /// The status of an error of a lower layer, from its category.
    public init(_ category: ErrorCategory) {
        switch category {
        case .failure: self = .failure
        case .usage: self = .usage
        case .corruptData: self = .dataError
        case .integrity: self = .verificationFailed
        case .localIO: self = .ioError
        }
    }
}
