import ErrorCategories
/// Docker engine failures a user can act on.
public struct DockerError: Error, CustomStringConvertible, Sendable {
    public enum Kind: Sendable { case socketMissing, permissionDenied, unreachable, engineTooOld, notFound, api }
    public let kind: Kind
    public let message: String
    public let hint: String?

    public init(_ kind: Kind, _ message: String, hint: String? = nil) {
        self.kind = kind
        self.message = message
        self.hint = hint
    }

    public var description: String { hint.map { "\(message); \($0)" } ?? message }
}

extension DockerError: CategorizedError {
    public var category: ErrorCategory { .failure }
    public var recoveryHint: String? { hint }
}
