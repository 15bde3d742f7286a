import Foundation

/// Tests that need something the machine may lack (a server, root, tmpfs)
/// skip only when it is absent AND `LIFEBOAT_TEST_DISALLOW_SKIP` is unset;
/// CI sets it, turning every such skip into a failure.
public enum Skips {
    public static var disallowed: Bool {
        let value = ProcessInfo.processInfo.environment["LIFEBOAT_TEST_DISALLOW_SKIP"] ?? ""
        return !value.isEmpty && value != "0"
    }

    /// Whether the test may run; `false` means skip. Throws when the
    /// prerequisite is missing and skipping is disallowed.
    public static func require(_ available: Bool, _ what: String) throws -> Bool {
        if available { return true }
        if disallowed { throw MissingPrerequisite(what: what) }
        print("skipping: \(what) is not available")
        return false
    }

    public struct MissingPrerequisite: Error, CustomStringConvertible {
        public let what: String
        public var description: String { "\(what) is not available and LIFEBOAT_TEST_DISALLOW_SKIP is set" }
    }
}
