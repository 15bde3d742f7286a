import ByteStreams
import Foundation

/// Encrypts a stream in the age v1 format (age-encryption.org/v1) to
/// X25519 recipients, so stock `age -d` decrypts Lifeboat's artifacts:
/// a header with one X25519 stanza per recipient wrapping a random file
/// key, the header's HMAC, a 16-byte nonce, then the STREAM payload of
/// 64 KiB ChaCha20-Poly1305 chunks (counter nonces, last chunk flagged).
public final class AgeEncryptingSink: ByteSink {
    static let chunkSize = 64 * 1024
    private let next: any ByteSink
    private let payloadKey: [UInt8]
    private var pending: [UInt8] = []
    private var counter: UInt64 = 0
    private var finished = false

    public convenience init(recipients: [AgeRecipient], next: any ByteSink) throws {
        guard !recipients.isEmpty else { throw AgeError("no recipients to encrypt to") }
        try self.init(next: next) { fileKey in
            var stanzas = ""
            for recipient in recipients {
                let ephemeral = try Primitives.random(32)
                let share = try Primitives.x25519(ephemeral, nil)
                let shared = try Primitives.x25519(ephemeral, recipient.publicKey)
                let wrapKey = try Primitives.hkdf(key: shared, salt: share + recipient.publicKey, info: "age-encryption.org/v1/X25519")
                let body = try fileKey.withUnsafeBytes { try Primitives.seal(key: wrapKey, nonce: [UInt8](repeating: 0, count: 12), $0) }
                stanzas += "-> X25519 \(AgeBase64.encode(share))\n" + AgeBase64.wrapped(body)
            }
            return stanzas
        }
    }

    /// Encrypts to a passphrase: one scrypt stanza (age -p), which the
    /// format requires to be the only one. Each file gets its own salt, so
    /// each costs one scrypt derivation (about a second and 256 MiB of
    /// memory, briefly, at the default work factor 18, as age uses).
    public convenience init(passphrase: String, workFactor: Int = 18, next: any ByteSink) throws {
        guard !passphrase.isEmpty else { throw AgeError("the passphrase is empty") }
        try self.init(next: next) { fileKey in
            let salt = try Primitives.random(16)
            let wrapKey = try Primitives.scrypt(passphrase: passphrase, salt: Array("age-encryption.org/v1/scrypt".utf8) + salt, logN: workFactor)
            let body = try fileKey.withUnsafeBytes { try Primitives.seal(key: wrapKey, nonce: [UInt8](repeating: 0, count: 12), $0) }
            return "-> scrypt \(AgeBase64.encode(salt)) \(workFactor)\n" + AgeBase64.wrapped(body)
        }
    }

    private init(next: any ByteSink, stanzas: ([UInt8]) throws -> String) throws {
        self.next = next
        let fileKey = try Primitives.random(16)
        var header = "age-encryption.org/v1\n" + (try stanzas(fileKey))
        header += "---"
        let macKey = try Primitives.hkdf(key: fileKey, salt: [], info: "header")
        let mac = try Primitives.hmacSHA256(key: macKey, Array(header.utf8))
        header += " \(AgeBase64.encode(mac))\n"
        let nonce = try Primitives.random(16)
        payloadKey = try Primitives.hkdf(key: fileKey, salt: nonce, info: "payload")
        try next.write(Array(header.utf8) + nonce)
        pending.reserveCapacity(Self.chunkSize)
    }

    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        var offset = 0
        while offset < bytes.count {
            // A full chunk is sealed only once more data shows it is not the last.
            if pending.count == Self.chunkSize { try seal(last: false) }
            let n = min(Self.chunkSize - pending.count, bytes.count - offset)
            pending.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + n)]))
            offset += n
        }
    }

    /// Seals the last chunk; the stream is incomplete without it.
    public func finish() throws {
        guard !finished else { return }
        finished = true
        try seal(last: true)
    }

    private func seal(last: Bool) throws {
        let sealed = try pending.withUnsafeBytes { try Primitives.seal(key: payloadKey, nonce: AgeStream.nonce(counter, last: last), $0) }
        try next.write(sealed)
        pending.removeAll(keepingCapacity: true)
        counter += 1
    }
}

enum AgeStream {
    static func nonce(_ counter: UInt64, last: Bool) -> [UInt8] {
        var nonce = [UInt8](repeating: 0, count: 12)
        for i in 0..<8 { nonce[10 - i] = UInt8((counter >> (8 * UInt64(i))) & 0xFF) }
        nonce[11] = last ? 1 : 0
        return nonce
    }
}

/// age's base64: standard alphabet, no padding; stanza bodies wrapped at 64.
enum AgeBase64 {
    static func encode(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString().replacingOccurrences(of: "=", with: "")
    }

    static func wrapped(_ bytes: [UInt8]) -> String {
        let text = encode(bytes)
        var lines: [String] = []
        var index = text.startIndex
        while index < text.endIndex {
            let end = text.index(index, offsetBy: 64, limitedBy: text.endIndex) ?? text.endIndex
            lines.append(String(text[index..<end]))
            index = end
        }
        // The last line must be shorter than 64 columns: add an empty one if not.
        if lines.last?.count == 64 || lines.isEmpty { lines.append("") }
        return lines.joined(separator: "\n") + "\n"
    }

    static func decode(_ text: String) -> [UInt8]? {
        guard !text.contains("=") else { return nil }
        let padded = text + String(repeating: "=", count: (4 - text.count % 4) % 4)
        return Data(base64Encoded: padded).map(Array.init)
    }
}
