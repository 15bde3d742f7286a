import Foundation

/// A scratch folder removed when the value is released.
public final class TemporaryDirectory: @unchecked Sendable {
    // @unchecked: `path` is immutable after init; deinit only removes it.
    public let path: String

    public init(_ label: String = "lifeboat-test") {
        let base = ProcessInfo.processInfo.environment["LIFEBOAT_TEST_TMPDIR"] ?? NSTemporaryDirectory()
        let template = (base as NSString).appendingPathComponent("\(label)-XXXXXX")
        var bytes = Array(template.utf8CString)
        let created = bytes.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        precondition(created != nil, "mkdtemp failed for \(template)")
        path = String(cString: created!)
    }

    deinit {
        // Make every folder writable again so removal cannot fail on a test
        // that took permissions away.
        if let enumerator = FileManager.default.enumerator(atPath: path) {
            for case let name as String in enumerator {
                chmod(path + "/" + name, 0o755)
            }
        }
        try? FileManager.default.removeItem(atPath: path)
    }

    public func sub(_ name: String) -> String { path + "/" + name }
}
