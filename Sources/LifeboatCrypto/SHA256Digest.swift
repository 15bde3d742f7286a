import COpenSSL

/// An incremental SHA-256, owning its OpenSSL context.
public final class SHA256Digest {
    private let context: OpaquePointer

    public init() throws {
        guard let context = EVP_MD_CTX_new() else { throw OpenSSLError.drain("EVP_MD_CTX_new") }
        self.context = context
        try checkOpenSSL(EVP_DigestInit_ex(context, EVP_sha256(), nil), "EVP_DigestInit_ex(sha256)")
    }

    deinit { EVP_MD_CTX_free(context) }

    /// Starts over, reusing the context (cheaper than a new digest per item).
    public func reset() throws {
        try checkOpenSSL(EVP_DigestInit_ex(context, EVP_sha256(), nil), "EVP_DigestInit_ex(sha256)")
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
        let digest = try SHA256Digest()
        try bytes.withUnsafeBytes { try digest.update($0) }
        return try digest.finalizeHex()
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
