/// Bech32 (BIP 173), as age writes its keys: `age1…` recipients and
/// `AGE-SECRET-KEY-1…` identities.
enum Bech32 {
    private static let alphabet = Array("qpzry9x8gf2tvdw0s3jn54khce6mua7l")
    private static let generator: [UInt32] = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3]

    private static func polymod(_ values: [UInt8]) -> UInt32 {
        var checksum: UInt32 = 1
        for value in values {
            let top = checksum >> 25
            checksum = (checksum & 0x1ffffff) << 5 ^ UInt32(value)
            for i in 0..<5 where (top >> i) & 1 == 1 { checksum ^= generator[i] }
        }
        return checksum
    }

    private static func expand(_ hrp: String) -> [UInt8] {
        let bytes = Array(hrp.utf8)
        return bytes.map { $0 >> 5 } + [0] + bytes.map { $0 & 31 }
    }

    private static func convert(_ data: [UInt8], from: Int, to: Int, pad: Bool) -> [UInt8]? {
        var accumulator = 0, bits = 0
        var out: [UInt8] = []
        let maxValue = (1 << to) - 1
        for value in data {
            accumulator = (accumulator << from) | Int(value)
            bits += from
            while bits >= to {
                bits -= to
                out.append(UInt8((accumulator >> bits) & maxValue))
            }
        }
        if pad {
            if bits > 0 { out.append(UInt8((accumulator << (to - bits)) & maxValue)) }
        } else if bits >= from || (accumulator << (to - bits)) & maxValue != 0 {
            return nil
        }
        return out
    }

    static func encode(hrp: String, _ data: [UInt8]) -> String {
        let values = convert(data, from: 8, to: 5, pad: true)!
        let checksum = polymod(expand(hrp) + values + [0, 0, 0, 0, 0, 0]) ^ 1
        let check = (0..<6).map { UInt8((checksum >> (5 * (5 - $0))) & 31) }
        return hrp + "1" + String((values + check).map { alphabet[Int($0)] })
    }

    /// The HRP (lowercase) and data, or nil when malformed.
    static func decode(_ text: String) -> (hrp: String, data: [UInt8])? {
        let lower = text.lowercased()
        guard text == lower || text == text.uppercased(), let separator = lower.lastIndex(of: "1") else { return nil }
        let hrp = String(lower[..<separator])
        var values: [UInt8] = []
        for character in lower[lower.index(after: separator)...] {
            guard let index = alphabet.firstIndex(of: character) else { return nil }
            values.append(UInt8(index))
        }
        guard values.count >= 6, polymod(expand(hrp) + values) == 1,
              let data = convert(Array(values.dropLast(6)), from: 5, to: 8, pad: false) else { return nil }
        return (hrp, data)
    }
}
