import RawBSON
/// CRC-64/ECMA-182 in its reflected form (also known as CRC-64/XZ), as
/// mongodump computes over a namespace's document bytes: polynomial
/// 0xC96C5795D7870F42, init and xorout all ones. Check value for
/// "123456789": 0x995DC9BBDF1939FA.
public struct CRC64: Sendable {
    private static let table: [UInt64] = (0..<256).map { n in
        var crc = UInt64(n)
        for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xC96C_5795_D787_0F42 : crc >> 1 }
        return crc
    }

    private var state: UInt64 = ~0
    public init() {}

    public mutating func update<C: Collection>(_ bytes: C) where C.Element == UInt8 {
        var crc = state
        Self.table.withUnsafeBufferPointer { table in
            for byte in bytes { crc = table[Int((crc ^ UInt64(byte)) & 0xFF)] ^ (crc >> 8) }
        }
        state = crc
    }

    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        var crc = state
        Self.table.withUnsafeBufferPointer { table in
            for byte in bytes { crc = table[Int((crc ^ UInt64(byte)) & 0xFF)] ^ (crc >> 8) }
        }
        state = crc
    }

    public var value: UInt64 { ~state }
}
