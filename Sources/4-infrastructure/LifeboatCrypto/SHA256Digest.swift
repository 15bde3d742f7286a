internal import COpenSSL

/// SHA-256 for content addresses; MD5 only where S3 demands it (`Content-MD5`, ETags).
public enum DigestAlgorithm: Sendable {
    case sha256, md5

    var evp: OpaquePointer? {
        switch self {
        case .sha256: return EVP_sha256()
        case .md5: return EVP_md5()
        }
    }
}

/// An incremental message digest (SHA-256 unless asked), owning its OpenSSL context.
public final class SHA256Digest {
    private let context: OpaquePointer
    private let algorithm: DigestAlgorithm

    public init(_ algorithm: DigestAlgorithm = .sha256) throws {
        guard let context = EVP_MD_CTX_new() else { throw OpenSSLError.drain("EVP_MD_CTX_new") }
        self.context = context
        self.algorithm = algorithm
        try checkOpenSSL(EVP_DigestInit_ex(context, algorithm.evp, nil), "EVP_DigestInit_ex")
    }

    deinit { EVP_MD_CTX_free(context) }

    /// Starts over, reusing the context (cheaper than a new digest per item).
    public func reset() throws {
        try checkOpenSSL(EVP_DigestInit_ex(context, algorithm.evp, nil), "EVP_DigestInit_ex")
    }

    public func update(_ bytes: UnsafeRawBufferPointer) throws {
        guard bytes.count > 0 else { return }
        try checkOpenSSL(EVP_DigestUpdate(context, bytes.baseAddress, bytes.count), "EVP_DigestUpdate")
    }

    /// The digest as lowercase hex. The context is spent afterwards.
    public func finalizeHex() throws -> String {
        Hex.encode(try finalizeBytes())
    }

    /// The 32 digest bytes. The context is spent afterwards.
    public func finalizeBytes() throws -> [UInt8] {
        var out = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        try checkOpenSSL(EVP_DigestFinal_ex(context, &out, &length), "EVP_DigestFinal_ex")
        return Array(out.prefix(Int(length)))
    }

    public static func hex(of bytes: [UInt8]) throws -> String {
        Hex.encode(try digest(of: bytes))
    }

    public static func digest(of bytes: [UInt8], _ algorithm: DigestAlgorithm = .sha256) throws -> [UInt8] {
        try bytes.withUnsafeBytes { try digest(of: $0, algorithm) }
    }

    public static func digest(of bytes: UnsafeRawBufferPointer, _ algorithm: DigestAlgorithm = .sha256) throws -> [UInt8] {
        let digest = try SHA256Digest(algorithm)
        try digest.update(bytes)
        return try digest.finalizeBytes()
    }

    /// HMAC-SHA256, for request signatures (AWS SigV4).
    public static func hmac(key: [UInt8], _ data: [UInt8]) throws -> [UInt8] {
        try Primitives.hmacSHA256(key: key, data)
    }
}

public enum Hex {
    public static func encode<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 2)
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0xf)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
