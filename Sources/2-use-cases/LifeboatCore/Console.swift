import Foundation

/// Where use cases report progress and warnings. The CLI writes them to
/// standard error so standard output stays for results (tables, JSON).
public struct Console: Sendable {
    public let info: @Sendable (String) -> Void
    public let warn: @Sendable (String) -> Void
    /// Where long work reports its bytes (a terminal's progress line), if anywhere.
    public var meter: ProgressMeter?

    public init(info: @escaping @Sendable (String) -> Void, warn: @escaping @Sendable (String) -> Void) {
        self.info = info
        self.warn = warn
    }

    public static let standardError = Console(
        info: { FileHandle.standardError.write(Data(($0 + "\n").utf8)) },
        warn: { FileHandle.standardError.write(Data(("warning: " + $0 + "\n").utf8)) }
    )

    public static let silent = Console(info: { _ in }, warn: { _ in })
}
