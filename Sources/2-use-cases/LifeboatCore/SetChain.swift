/// The one walk along a set's chain: from a set back to the link it
/// builds on, for whichever component follows chains, each link loaded
/// from the same tier and checked against the next.
enum SetChain {
    /// The links that `manifest` needs, oldest first, ending with it.
    /// - next: the link a set builds on (nil: this one stands alone).
    /// - missing: the error when that link is not in the tier, or nil to
    ///   stop there (the links found are returned; the caller's own checks
    ///   decide whether the rest was needed).
    /// - check: throws when a link does not continue its predecessor.
    static func links(ending manifest: Manifest, in catalog: SetCatalog,
                      next: (Manifest) -> BackupSetID?,
                      missing: (Manifest, BackupSetID) -> (any Error)?,
                      check: (_ child: Manifest, _ parent: Manifest) throws -> Void = { _, _ in }) throws -> [Manifest] {
        var chain = [manifest]
        while let parentID = next(chain[0]) {
            guard !chain.contains(where: { $0.id == parentID }), let parent = try? catalog.loadManifest(parentID) else {
                if let error = missing(chain[0], parentID) { throw error }
                break
            }
            try check(chain[0], parent)
            chain.insert(parent, at: 0)
        }
        return chain
    }
}
