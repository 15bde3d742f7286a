import ByteStreams
import Foundation
import LifeboatCore

/// Results go to standard output; messages and errors to standard error.
enum Output {
    static func line(_ text: String) {
        FileHandle.standardOutput.write(Data((text + "\n").utf8))
    }

    static func error(_ text: String) {
        FileHandle.standardError.write(Data(("lifeboat: error: " + text + "\n").utf8))
    }

    static func warning(_ text: String) {
        FileHandle.standardError.write(Data(("warning: " + text + "\n").utf8))
    }

    /// A command's JSON result: one object (every result type is one)
    /// carrying `schema`, `lifeboat.<command>/<version>`, documented in
    /// docs/json.md. Fields are only ever added within a version.
    static func json<T: Encodable>(_ value: T, schema: String) throws {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        guard var envelope = try JSONSerialization.jsonObject(with: try encoder.encode(value)) as? [String: Any] else {
            preconditionFailure("a --json result is an object")
        }
        envelope["schema"] = "lifeboat.\(schema)"
        let data = try JSONSerialization.data(withJSONObject: envelope, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        line(String(decoding: data, as: UTF8.self))
    }

    /// A plain text table with left-aligned columns.
    static func table(_ header: [String], _ rows: [[String]]) {
        var widths = header.map(\.count)
        for row in rows { for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) } }
        func render(_ cells: [String]) -> String {
            cells.enumerated().map { i, cell in
                i == cells.count - 1 ? cell : cell + String(repeating: " ", count: widths[i] - cell.count)
            }.joined(separator: "  ")
        }
        line(render(header))
        for row in rows { line(render(row)) }
    }

    static func bytes(_ count: Int64) -> String { ByteCount.describe(count) }

    static func age(since date: Date, now: Date = Date()) -> String {
        let seconds = max(0, Int(now.timeIntervalSince(date)))
        if seconds < 3600 { return "\(seconds / 60)m" }
        if seconds < 86_400 { return "\(seconds / 3600)h\(seconds % 3600 / 60)m" }
        return "\(seconds / 86_400)d\(seconds % 86_400 / 3600)h"
    }
}
