import Foundation

/// A set's id: its UTC start time, kind and a random tag, so ids sort by
/// time and two runs in the same second still differ:
/// `20260122T020000Z-full-3f9a`.
public struct BackupSetID: Hashable, Comparable, Sendable, CustomStringConvertible, Codable {
    public let rawValue: String

    public init?(_ text: String) {
        let parts = text.split(separator: "-")
        guard parts.count == 3, parts[0].count == 16, Self.parseTime(String(parts[0])) != nil,
              SetKind(rawValue: String(parts[1])) != nil,
              parts[2].count == 4, parts[2].allSatisfy(\.isHexDigit) else { return nil }
        rawValue = text
    }

    public static func make(at date: Date, kind: SetKind) -> BackupSetID {
        let tag = String(format: "%04x", UInt16.random(in: 0...UInt16.max))
        return BackupSetID(Self.timeFormatter().string(from: date) + "-" + kind.rawValue + "-" + tag)!
    }

    public var description: String { rawValue }
    public var time: Date { Self.parseTime(String(rawValue.prefix(16)))! }
    public var kind: SetKind { SetKind(rawValue: String(rawValue.split(separator: "-")[1]))! }

    public static func < (a: BackupSetID, b: BackupSetID) -> Bool { a.rawValue < b.rawValue }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let id = BackupSetID(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "'\(text)' is not a set id"))
        }
        self = id
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    static func timeFormatter() -> DateFormatter {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        return formatter
    }

    static func parseTime(_ text: String) -> Date? { timeFormatter().date(from: text) }
}

public enum SetKind: String, Codable, Sendable {
    case full
    /// Depends on its parent set: MongoDB's oplog since the parent's end
    /// (the other components are whole in every set).
    case incremental = "incr"
}
