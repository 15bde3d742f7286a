import ErrorCategories
internal import CArchive

/// A libarchive failure with the library's own message and errno.
public struct ArchiveError: Error, CustomStringConvertible, Sendable {
    public let operation: String
    public let message: String
    public let errno: Int32

    public var description: String { "\(operation): \(message)" }
}

/// The one funnel for libarchive return codes. A failure raised inside one of
/// our I/O callbacks (a full disk, a network error) is reported as itself,
/// since libarchive only knows the callback said "fatal".
func checkArchive(_ code: Int32, _ archive: OpaquePointer, _ operation: String, callbackError: (any Error)? = nil) throws {
    // ARCHIVE_WARN is not a failure: libarchive uses it for notes such as
    // "file changed as we read it", which the callers report separately.
    if code == ARCHIVE_OK || code == ARCHIVE_WARN || code == ARCHIVE_EOF { return }
    if let callbackError { throw callbackError }
    throw ArchiveError(
        operation: operation,
        message: archive_error_string(archive).map { String(cString: $0) } ?? "unknown libarchive error (code \(code))",
        errno: archive_errno(archive)
    )
}

extension ArchiveError: CategorizedError {
    public var category: ErrorCategory { .failure }
}
