/// What kind of failure an error is, decided where the error is known (the
/// module that throws it), so the one exit-status table
/// (LifeboatCore's `ExitStatus`) is reached without switching on types or
/// reading message text.
public enum ErrorCategory: Sendable, Equatable {
    /// The operation failed: a server down, a network error, a library error.
    case failure
    /// The command line or the configuration is wrong, or the operation was
    /// refused until the user says more (e.g. --overwrite).
    case usage
    /// The input data is unusable: a hostile or malformed archive, a corrupt
    /// compressed stream, an unreadable RDB.
    case corruptData
    /// Stored data does not match what was recorded of it (hash, MAC).
    case integrity
    /// The backup folder's disk is full, or another local I/O error.
    case localIO
}

/// An error that knows its category, and optionally the next step.
public protocol CategorizedError: Error, CustomStringConvertible {
    var category: ErrorCategory { get }
    /// What to do about it, when the thrower knows.
    var recoveryHint: String? { get }
}

extension CategorizedError {
    public var recoveryHint: String? { nil }
}
