import ErrorCategories
/// A configuration problem: which variable, what it held (redacted when
/// secret), and what would be valid.
public struct ConfigProblem: Sendable, Equatable, CustomStringConvertible {
    public let variable: String
    public let value: String?
    public let message: String

    public init(variable: String, value: String?, message: String) {
        self.variable = variable
        self.value = value
        self.message = message
    }

    public var description: String {
        if let value { return "\(variable)=\(value): \(message)" }
        return "\(variable): \(message)"
    }
}

/// Thrown when the configuration has problems; carries all of them, so a
/// user fixes everything in one round.
public struct ConfigurationError: Error, CustomStringConvertible, Sendable {
    public let problems: [ConfigProblem]
    public init(problems: [ConfigProblem]) { self.problems = problems }
    public var description: String {
        "invalid configuration:\n" + problems.map { "  - \($0)" }.joined(separator: "\n")
    }
}

extension ConfigurationError: CategorizedError {
    public var category: ErrorCategory { .usage }
}
