/// An order-independent digest of a set of documents: the sum, modulo
/// 2^256, of each document's SHA-256 read as a little-endian 256-bit
/// number. Any order of the same documents gives the same value, so a
/// collection scanned in natural order (fast) can be compared with a
/// restored copy scanned in any order; a changed, missing or extra
/// document changes it. Documented in docs/format.md.
public struct MultisetDigest: Sendable, Equatable {
    private var limbs: [UInt64] = [0, 0, 0, 0]
    public init() {}

    public mutating func add(_ document: UnsafeRawBufferPointer) throws {
        try add(document, using: SHA256Digest())
    }

    /// Adds a document hashing with `hasher` (reset first), so a scan of
    /// many documents reuses one OpenSSL context.
    public mutating func add(_ document: UnsafeRawBufferPointer, using hasher: SHA256Digest) throws {
        try hasher.reset()
        try hasher.update(document)
        let digest = try hasher.finalizeBytes()
        var carry: UInt64 = 0
        for i in 0..<4 {
            var word: UInt64 = 0
            for j in 0..<8 { word |= UInt64(digest[i * 8 + j]) << (8 * j) }
            let (partial, overflow1) = limbs[i].addingReportingOverflow(word)
            let (sum, overflow2) = partial.addingReportingOverflow(carry)
            limbs[i] = sum
            carry = (overflow1 ? 1 : 0) + (overflow2 ? 1 : 0)
        }
    }

    public mutating func combine(_ other: MultisetDigest) {
        var carry: UInt64 = 0
        for i in 0..<4 {
            let (partial, overflow1) = limbs[i].addingReportingOverflow(other.limbs[i])
            let (sum, overflow2) = partial.addingReportingOverflow(carry)
            limbs[i] = sum
            carry = (overflow1 ? 1 : 0) + (overflow2 ? 1 : 0)
        }
    }

    /// 64 hex digits, most significant first.
    public var hex: String {
        limbs.reversed().map { limb in
            let text = String(limb, radix: 16)
            return String(repeating: "0", count: 16 - text.count) + text
        }.joined()
    }
}
