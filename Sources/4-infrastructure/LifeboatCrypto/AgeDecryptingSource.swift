import ByteStreams

/// Decrypts an age v1 stream with X25519 identities, checking the header
/// MAC and every chunk's tag; a truncated stream (no last chunk) is an error.
public final class AgeDecryptingSource: ByteSource {
    private var upstream: any ByteSource
    private var buffered: [UInt8] = []
    private var upstreamEnded = false
    private let payloadKey: [UInt8]
    private var counter: UInt64 = 0
    private var plaintext: [UInt8] = []
    private var plaintextOffset = 0
    private var sawLast = false

    /// The largest scrypt work factor accepted, as age's own default: a
    /// hostile file cannot make us spend more than 1 GiB and a few seconds.
    public static let maxWorkFactor = 22

    /// The stored bytes before the first payload chunk (header and nonce).
    public private(set) var headerLength: Int64 = 0

    public init(identities: [AgeIdentity], passphrase: String? = nil, upstream: any ByteSource) throws {
        let counted = ReadCounter(upstream)
        let upstream: any ByteSource = counted
        self.upstream = upstream
        var header = ""
        var lines: [String] = []
        // The header is text lines up to the one starting with "---".
        while true {
            guard let line = try Self.readLine(from: upstream, buffer: &buffered) else {
                throw AgeError("not an age file: the header ends early")
            }
            lines.append(line)
            if line.hasPrefix("---") { break }
            header += line + "\n"
            if lines.count > 10_000 { throw AgeError("not an age file: header too long") }
        }
        guard lines.first == "age-encryption.org/v1" else { throw AgeError("not an age v1 file (the first line is not age-encryption.org/v1)") }
        var fileKey: [UInt8]?
        var index = 1
        while index < lines.count - 1 {
            let arguments = lines[index].split(separator: " ").map(String.init)
            guard arguments.first == "->" else { throw AgeError("malformed age header line \(index + 1)") }
            index += 1
            var bodyText = ""
            while index < lines.count - 1 {
                let line = lines[index]
                index += 1
                bodyText += line
                if line.count < 64 { break }
            }
            if arguments.count >= 2 && arguments[1] == "scrypt" {
                // The format allows a scrypt stanza only alone.
                guard lines.count == 4 else { throw AgeError("malformed age header: a passphrase (scrypt) stanza must be the only one") }
                guard arguments.count == 4, let salt = AgeBase64.decode(arguments[2]), salt.count == 16,
                      let logN = Int(arguments[3]), arguments[3] == String(logN), logN > 0, let body = AgeBase64.decode(bodyText), body.count == 32 else {
                    throw AgeError("malformed age scrypt stanza")
                }
                guard let passphrase else {
                    throw AgeError("this artifact is encrypted with a passphrase; set BACKUP_ENCRYPTION_PASSPHRASE (or its _FILE)", kind: .key)
                }
                guard logN <= Self.maxWorkFactor else { throw AgeError("the scrypt work factor \(logN) is above \(Self.maxWorkFactor); refusing") }
                let wrapKey = try Primitives.scrypt(passphrase: passphrase, salt: Array("age-encryption.org/v1/scrypt".utf8) + salt, logN: logN)
                guard let key = try Primitives.open(key: wrapKey, nonce: [UInt8](repeating: 0, count: 12), body[...]) else {
                    throw AgeError("the passphrase does not decrypt this artifact", kind: .key)
                }
                fileKey = key
                continue
            }
            guard fileKey == nil, arguments.count == 3, arguments[1] == "X25519",
                  let share = AgeBase64.decode(arguments[2]), share.count == 32, let body = AgeBase64.decode(bodyText), body.count == 32 else { continue }
            for identity in identities {
                guard let shared = try? Primitives.x25519(identity.secretKey, share) else { continue }
                let wrapKey = try Primitives.hkdf(key: shared, salt: share + identity.recipient.publicKey, info: "age-encryption.org/v1/X25519")
                if let key = try Primitives.open(key: wrapKey, nonce: [UInt8](repeating: 0, count: 12), body[...]) {
                    fileKey = key
                    break
                }
            }
        }
        guard let fileKey else {
            throw AgeError("none of the identities given can decrypt this artifact (it was encrypted to other recipients)", kind: .key)
        }
        let macLine = lines[lines.count - 1]
        guard macLine.hasPrefix("--- "), let mac = AgeBase64.decode(String(macLine.dropFirst(4))) else { throw AgeError("malformed age header MAC line") }
        let macKey = try Primitives.hkdf(key: fileKey, salt: [], info: "header")
        guard try Primitives.hmacSHA256(key: macKey, Array((header + "---").utf8)) == mac else {
            throw AgeError("the age header MAC does not match (the file was altered)")
        }
        let nonce = try Self.readExactly(16, from: upstream, buffer: &buffered)
        guard nonce.count == 16 else { throw AgeError("the age payload nonce is missing (truncated)") }
        payloadKey = try Primitives.hkdf(key: fileKey, salt: nonce, info: "payload")
        headerLength = counted.count - Int64(buffered.count)
    }

    /// Goes on from payload chunk `chunk` (0-based), read from `source`,
    /// which starts at that chunk's first stored byte
    /// (`headerLength + chunk * (chunkSize + 16)`): a reader of one part of
    /// a large artifact decrypts only the chunks that hold it. Every chunk
    /// is still authenticated (its tag binds its number and whether it is
    /// the last).
    public func resume(atChunk chunk: UInt64, from source: any ByteSource) {
        upstream = source
        buffered = []
        upstreamEnded = false
        counter = chunk
        plaintext = []
        plaintextOffset = 0
        sawLast = false
    }

    /// Stored bytes of one sealed chunk.
    public static var sealedChunkSize: Int64 { Int64(AgeEncryptingSink.chunkSize + 16) }
    public static var chunkSize: Int64 { Int64(AgeEncryptingSink.chunkSize) }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        while plaintextOffset == plaintext.count {
            if sawLast {
                // Nothing may follow the last chunk.
                let extra = try Self.readExactly(1, from: upstream, buffer: &buffered)
                if !extra.isEmpty { throw AgeError("data after the last age chunk") }
                return 0
            }
            try nextChunk()
        }
        let n = min(buffer.count, plaintext.count - plaintextOffset)
        plaintext[plaintextOffset..<(plaintextOffset + n)].withUnsafeBytes { buffer.baseAddress!.copyMemory(from: $0.baseAddress!, byteCount: n) }
        plaintextOffset += n
        return n
    }

    private func nextChunk() throws {
        let sealedSize = AgeEncryptingSink.chunkSize + 16
        // One byte more than a chunk tells whether this chunk is the last.
        let chunk = try Self.readExactly(sealedSize + 1, from: upstream, buffer: &buffered)
        let isLast = chunk.count <= sealedSize
        let sealed = isLast ? chunk[...] : chunk[..<sealedSize]
        if !isLast { buffered.insert(chunk[sealedSize], at: 0) }
        guard sealed.count >= 16 else { throw AgeError("the age payload is truncated") }
        guard let opened = try Primitives.open(key: payloadKey, nonce: AgeStream.nonce(counter, last: isLast), sealed) else {
            throw AgeError(isLast ? "the age payload is truncated or altered (chunk \(counter))" : "the age payload is altered (chunk \(counter))")
        }
        if isLast && opened.isEmpty && counter > 0 { throw AgeError("an empty last age chunk after data (not allowed)") }
        plaintext = opened
        plaintextOffset = 0
        counter += 1
        sawLast = isLast
    }

    private static func fill(_ count: Int, from source: any ByteSource, buffer: inout [UInt8]) throws {
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while buffer.count < count {
            let n = try chunk.withUnsafeMutableBytes { try source.read(into: $0) }
            if n == 0 { return }
            buffer.append(contentsOf: chunk[0..<n])
        }
    }

    static func readExactly(_ count: Int, from source: any ByteSource, buffer: inout [UInt8]) throws -> [UInt8] {
        try fill(count, from: source, buffer: &buffer)
        let take = min(count, buffer.count)
        defer { buffer.removeFirst(take) }
        return Array(buffer.prefix(take))
    }

    static func readLine(from source: any ByteSource, buffer: inout [UInt8]) throws -> String? {
        while true {
            if let newline = buffer.firstIndex(of: 0x0A) {
                defer { buffer.removeFirst(newline + 1) }
                return String(decoding: buffer[..<newline], as: UTF8.self)
            }
            let before = buffer.count
            try fill(before + 1, from: source, buffer: &buffer)
            if buffer.count == before { return nil }
            if buffer.count > 1 << 20 { return nil }
        }
    }
}

/// Counts what the header parser takes from upstream.
private final class ReadCounter: ByteSource {
    let upstream: any ByteSource
    var count: Int64 = 0
    init(_ upstream: any ByteSource) { self.upstream = upstream }
    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        let n = try upstream.read(into: buffer)
        count += Int64(n)
        return n
    }
}
