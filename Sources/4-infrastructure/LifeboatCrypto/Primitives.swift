internal import COpenSSL

/// The primitives age needs, on OpenSSL: X25519, HKDF-SHA256, HMAC-SHA256,
/// ChaCha20-Poly1305 and random bytes.
enum Primitives {
    static func random(_ count: Int) throws -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        try checkOpenSSL(RAND_bytes(&bytes, Int32(count)), "RAND_bytes")
        return bytes
    }

    /// X25519(scalar, point); with `point` nil, the base point (public key).
    static func x25519(_ scalar: [UInt8], _ point: [UInt8]?) throws -> [UInt8] {
        guard let privateKey = EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, nil, scalar, scalar.count) else {
            throw OpenSSLError.drain("X25519 private key")
        }
        defer { EVP_PKEY_free(privateKey) }
        guard let point else {
            var out = [UInt8](repeating: 0, count: 32)
            var length = 32
            try checkOpenSSL(EVP_PKEY_get_raw_public_key(privateKey, &out, &length), "X25519 public key")
            return out
        }
        guard let peer = EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, nil, point, point.count) else {
            throw OpenSSLError.drain("X25519 peer key")
        }
        defer { EVP_PKEY_free(peer) }
        guard let context = EVP_PKEY_CTX_new(privateKey, nil) else { throw OpenSSLError.drain("X25519 context") }
        defer { EVP_PKEY_CTX_free(context) }
        try checkOpenSSL(EVP_PKEY_derive_init(context), "X25519 derive init")
        try checkOpenSSL(EVP_PKEY_derive_set_peer(context, peer), "X25519 peer")
        var out = [UInt8](repeating: 0, count: 32)
        var length = 32
        try checkOpenSSL(EVP_PKEY_derive(context, &out, &length), "X25519 derive")
        // An all-zero shared secret means a low-order point: age rejects it.
        if out.allSatisfy({ $0 == 0 }) { throw OpenSSLError(operation: "X25519", queue: ["low-order point"]) }
        return out
    }

    static func hkdf(key: [UInt8], salt: [UInt8], info: String, length: Int = 32) throws -> [UInt8] {
        guard let context = EVP_PKEY_CTX_new_id(EVP_PKEY_HKDF, nil) else { throw OpenSSLError.drain("HKDF context") }
        defer { EVP_PKEY_CTX_free(context) }
        try checkOpenSSL(EVP_PKEY_derive_init(context), "HKDF init")
        try checkOpenSSL(EVP_PKEY_CTX_set_hkdf_md(context, EVP_sha256()), "HKDF md")
        try checkOpenSSL(EVP_PKEY_CTX_set1_hkdf_salt(context, salt, Int32(salt.count)), "HKDF salt")
        try checkOpenSSL(EVP_PKEY_CTX_set1_hkdf_key(context, key, Int32(key.count)), "HKDF key")
        let infoBytes = Array(info.utf8)
        try checkOpenSSL(EVP_PKEY_CTX_add1_hkdf_info(context, infoBytes, Int32(infoBytes.count)), "HKDF info")
        var out = [UInt8](repeating: 0, count: length)
        var outLength = length
        try checkOpenSSL(EVP_PKEY_derive(context, &out, &outLength), "HKDF derive")
        return out
    }

    /// scrypt (r = 8, p = 1) as age's passphrase stanza uses it. Memory:
    /// 128 × r × 2^logN bytes (256 MiB at age's default work factor 18).
    static func scrypt(passphrase: String, salt: [UInt8], logN: Int, length: Int = 32) throws -> [UInt8] {
        var out = [UInt8](repeating: 0, count: length)
        let n = UInt64(1) << UInt64(logN)
        let maxMemory = 128 * 8 * n + (1 << 20)
        let password = Array(passphrase.utf8)
        try checkOpenSSL(EVP_PBE_scrypt(password.map { CChar(bitPattern: $0) }, password.count, salt, salt.count, n, 8, 1, maxMemory, &out, length),
                         "scrypt (work factor \(logN))")
        return out
    }

    static func hmacSHA256(key: [UInt8], _ data: [UInt8]) throws -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 32
        guard HMAC(EVP_sha256(), key, Int32(key.count), data, data.count, &out, &length) != nil else { throw OpenSSLError.drain("HMAC-SHA256") }
        return out
    }

    /// ChaCha20-Poly1305 seal: ciphertext followed by the 16-byte tag.
    static func seal(key: [UInt8], nonce: [UInt8], _ plaintext: UnsafeRawBufferPointer) throws -> [UInt8] {
        guard let context = EVP_CIPHER_CTX_new() else { throw OpenSSLError.drain("cipher context") }
        defer { EVP_CIPHER_CTX_free(context) }
        try checkOpenSSL(EVP_EncryptInit_ex(context, EVP_chacha20_poly1305(), nil, key, nonce), "ChaCha20-Poly1305 init")
        var out = [UInt8](repeating: 0, count: plaintext.count + 16)
        var length: Int32 = 0
        if plaintext.count > 0 {
            try checkOpenSSL(EVP_EncryptUpdate(context, &out, &length, plaintext.baseAddress!.assumingMemoryBound(to: UInt8.self), Int32(plaintext.count)), "ChaCha20-Poly1305 encrypt")
        }
        var final: Int32 = 0
        try out.withUnsafeMutableBufferPointer { buffer in
            try checkOpenSSL(EVP_EncryptFinal_ex(context, buffer.baseAddress! + Int(length), &final), "ChaCha20-Poly1305 final")
            try checkOpenSSL(EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_AEAD_GET_TAG, 16, buffer.baseAddress! + plaintext.count), "ChaCha20-Poly1305 tag")
        }
        return out
    }

    /// ChaCha20-Poly1305 open; nil when the tag does not verify.
    static func open(key: [UInt8], nonce: [UInt8], _ sealed: ArraySlice<UInt8>) throws -> [UInt8]? {
        guard sealed.count >= 16 else { return nil }
        guard let context = EVP_CIPHER_CTX_new() else { throw OpenSSLError.drain("cipher context") }
        defer { EVP_CIPHER_CTX_free(context) }
        try checkOpenSSL(EVP_DecryptInit_ex(context, EVP_chacha20_poly1305(), nil, key, nonce), "ChaCha20-Poly1305 init")
        let ciphertext = Array(sealed.dropLast(16))
        var tag = Array(sealed.suffix(16))
        var out = [UInt8](repeating: 0, count: ciphertext.count + 16)
        var length: Int32 = 0
        if !ciphertext.isEmpty {
            try checkOpenSSL(EVP_DecryptUpdate(context, &out, &length, ciphertext, Int32(ciphertext.count)), "ChaCha20-Poly1305 decrypt")
        }
        try checkOpenSSL(EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_AEAD_SET_TAG, 16, &tag), "ChaCha20-Poly1305 tag")
        var final: Int32 = 0
        let ok = out.withUnsafeMutableBufferPointer { EVP_DecryptFinal_ex(context, $0.baseAddress! + Int(length), &final) }
        if ok != 1 {
            ERR_clear_error()
            return nil
        }
        return Array(out.prefix(ciphertext.count))
    }
}
