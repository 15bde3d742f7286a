import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A glob as `find`, `restore --include` and `ls` take it (restic's
/// rules): without a '/', it matches an entry's name at any depth
/// (`*.pdf`); with one, the whole path from the artifact's root
/// (`invoices/2026/*.pdf`, a leading '/' ignored), '*' not crossing '/'.
/// A pattern that matches a folder selects everything below it.
public struct PathPattern: Sendable, CustomStringConvertible {
    public let text: String
    private let glob: String
    private let anchored: Bool

    public init(_ text: String) throws {
        let trimmed = String(text.drop(while: { $0 == "/" }))
        let glob = trimmed.hasSuffix("/") ? String(trimmed.dropLast()) : trimmed
        guard !glob.isEmpty else {
            throw LifeboatError.usage("the pattern '\(text)' is empty", hint: "give a path or a glob such as 'invoices/*.pdf' or '*.pdf'")
        }
        self.text = text
        self.glob = glob
        self.anchored = glob.contains("/")
    }

    public var description: String { text }

    /// The entry itself matches.
    public func matches(_ path: String) -> Bool {
        if anchored { return fnmatch(glob, path, FNM_PATHNAME) == 0 }
        let name = path.split(separator: "/").last.map(String.init) ?? path
        return fnmatch(glob, name, 0) == 0
    }

    /// The entry or one of the folders above it matches.
    public func selects(_ path: String) -> Bool {
        if matches(path) { return true }
        var prefix = Substring(path)
        while let slash = prefix.lastIndex(of: "/") {
            prefix = prefix[..<slash]
            if matches(String(prefix)) { return true }
        }
        return false
    }

    /// A namespace (`app.users`) against a pattern such as `app.*`.
    public func matchesNamespace(_ namespace: String) -> Bool { fnmatch(text, namespace, 0) == 0 }
}
