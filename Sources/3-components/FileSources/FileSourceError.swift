import ErrorCategories
/// Failures of the files and config components, each naming the path.
public struct FileSourceError: Error, CustomStringConvertible, Sendable {
    public let path: String
    public let problem: String
    public let hint: String?
    /// A refusal to replace existing data (the caller may pass --overwrite), not a failure.
    public let isRefusal: Bool
    /// Stored data that cannot be used (a damaged or hostile index).
    public let isCorruptData: Bool

    public init(path: String, problem: String, hint: String? = nil, isRefusal: Bool = false, isCorruptData: Bool = false) {
        self.path = path
        self.problem = problem
        self.hint = hint
        self.isRefusal = isRefusal
        self.isCorruptData = isCorruptData
    }

    public var description: String {
        var text = "\(path): \(problem)"
        if let hint { text += "; \(hint)" }
        return text
    }
}

extension FileSourceError: CategorizedError {
    /// A refusal to replace existing data waits for --overwrite: usage.
    public var category: ErrorCategory { isRefusal ? .usage : isCorruptData ? .corruptData : .failure }
    public var recoveryHint: String? { hint }
}
