/// Checks an RDB stream as it passes: `REDIS` and a 4-digit version at the
/// start; at the end the EOF opcode 0xFF followed by the 8-byte
/// little-endian CRC-64 (Redis' "Jones" CRC: reflected polynomial
/// 0x95AC9329AC4BC9B5, init 0, no final xor) of everything before it,
/// which may be 0 when the server has `rdbchecksum no`.
public struct RDBValidator: Sendable {
    private var crc: UInt64 = 0
    private var head: [UInt8] = []
    /// The last 9 bytes seen (opcode + CRC), held back from the CRC until
    /// we know they are not the trailer.
    private var tail: [UInt8] = []
    public private(set) var count: Int64 = 0
    /// The snapshot's own keys, counted on the way.
    private var keyCounter = RDBKeyCounter()
    public var keyCounts: Result<RDBKeyCounter.Counts, RDBKeyCounter.CountFailure> { keyCounter.result }

    private static let table: [UInt64] = (0..<256).map { n in
        var crc = UInt64(n)
        for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0x95AC_9329_AC4B_C9B5 : crc >> 1 }
        return crc
    }

    public init() {}

    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        count += Int64(bytes.count)
        keyCounter.update(bytes)
        if head.count < 9 { head.append(contentsOf: bytes.prefix(9 - head.count)) }
        // Everything but the last 8 bytes of the stream goes into the CRC.
        var combined = tail
        combined.append(contentsOf: bytes)
        let keep = min(8, combined.count)
        let ready = combined.count - keep
        if ready > 0 {
            var c = crc
            Self.table.withUnsafeBufferPointer { table in
                for i in 0..<ready { c = table[Int((c ^ UInt64(combined[i])) & 0xFF)] ^ (c >> 8) }
            }
            crc = c
            // The opcode is the byte just before the last 8.
            lastBeforeTrailer = combined[ready - 1]
        }
        tail = Array(combined[ready...])
    }

    private var lastBeforeTrailer: UInt8 = 0

    public struct Failure: Error, CustomStringConvertible, Sendable {
        public let message: String
        public var description: String { "invalid RDB snapshot: \(message)" }
    }

    /// The RDB version, after checking header and trailer.
    public func finish() throws -> Int {
        guard head.count == 9, Array(head.prefix(5)) == Array("REDIS".utf8),
              let version = Int(String(decoding: head[5...], as: UTF8.self)) else {
            throw Failure(message: "it does not start with REDIS and a 4-digit version")
        }
        guard tail.count == 8, lastBeforeTrailer == 0xFF else {
            throw Failure(message: "it does not end with the EOF opcode and a checksum (truncated?)")
        }
        var stored: UInt64 = 0
        for (i, byte) in tail.enumerated() { stored |= UInt64(byte) << (8 * i) }
        // A version 5+ file carries a checksum; 0 means the server has checksums off.
        if version >= 5 && stored != 0 && stored != crc {
            throw Failure(message: "checksum mismatch (stored \(String(stored, radix: 16)), computed \(String(crc, radix: 16)))")
        }
        return version
    }

    public static func crc64(_ bytes: [UInt8]) -> UInt64 {
        var c: UInt64 = 0
        for byte in bytes { c = table[Int((c ^ UInt64(byte)) & 0xFF)] ^ (c >> 8) }
        return c
    }
}
