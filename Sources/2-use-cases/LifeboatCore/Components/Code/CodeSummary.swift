import Foundation
import LifeboatConfiguration

/// What the manifest records of the application's repository: the commit
/// the data goes with, its branches and tags, where it came from.
public struct CodeSummary: Codable, Sendable, Equatable {
    /// The commit HEAD pointed at.
    public var head: String
    /// The branch HEAD was on; nil when HEAD was detached.
    public var branch: String?
    /// Every branch and its commit, as in the bundle.
    public var branches: [String: String]
    public var tags: Int
    /// Every ref the bundle holds (`refs/heads/main`, `refs/tags/v1`, HEAD).
    public var refs: Int
    /// The `origin` remote, credentials removed; nil when there is none.
    public var remote: String?
    /// Uncommitted changes in the working tree, which a bundle cannot hold.
    public var uncommittedChanges: Int
    public var gitVersion: String
    /// The bundle's size in bytes.
    public var bytes: Int64

    /// `commit 1a2b3c4d5e6f on main (origin https://example.com/app.git)`.
    public var describe: String {
        "commit \(head.prefix(12))" + (branch.map { " on \($0)" } ?? " (detached HEAD)")
            + (remote.map { " (origin \($0))" } ?? "")
    }

    /// What the bundle could not hold, or nil.
    public var uncommittedNote: String? {
        uncommittedChanges == 0 ? nil : "\(uncommittedChanges) uncommitted \(uncommittedChanges == 1 ? "change" : "changes") in the working tree, not in the bundle"
    }
}
