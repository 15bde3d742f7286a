import ErrorCategories

/// The stack is not as the configuration says: a service with no
/// container, or with several.
public struct ComposeError: CategorizedError {
    public let message: String
    public let recoveryHint: String?
    public var category: ErrorCategory { .failure }
    public var description: String { message }
}
