/// Just enough BSON to frame a mongodump archive, read oplog entries and
/// find a document's `_id`: a builder for small documents and a reader that
/// walks any document's elements without copying. Documents the archive
/// carries are never re-encoded: their bytes pass through untouched.
public enum BSONType: UInt8, Sendable {
    case double = 0x01, string = 0x02, document = 0x03, array = 0x04, binary = 0x05, undefined = 0x06
    case objectID = 0x07, bool = 0x08, dateTime = 0x09, null = 0x0A, regex = 0x0B, dbPointer = 0x0C
    case javascript = 0x0D, symbol = 0x0E, javascriptWithScope = 0x0F, int32 = 0x10, timestamp = 0x11
    case int64 = 0x12, decimal128 = 0x13, minKey = 0xFF, maxKey = 0x7F
}

public struct BSONError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { "malformed BSON: \(message)" }
}

/// Builds a document field by field, in order.
public struct BSONBuilder {
    private var body: [UInt8] = []
    public init() {}

    private mutating func key(_ type: BSONType, _ name: String) {
        body.append(type.rawValue)
        body.append(contentsOf: Array(name.utf8))
        body.append(0)
    }

    public mutating func append(_ name: String, string value: String) {
        key(.string, name)
        let bytes = Array(value.utf8)
        appendLE(Int32(bytes.count + 1))
        body.append(contentsOf: bytes)
        body.append(0)
    }

    public mutating func append(_ name: String, int32 value: Int32) {
        key(.int32, name)
        appendLE(value)
    }

    public mutating func append(_ name: String, int64 value: Int64) {
        key(.int64, name)
        appendLE(value)
    }

    public mutating func append(_ name: String, bool value: Bool) {
        key(.bool, name)
        body.append(value ? 1 : 0)
    }

    public mutating func append(_ name: String, document: [UInt8]) {
        key(.document, name)
        body.append(contentsOf: document)
    }

    public mutating func append(_ name: String, timestamp: BSONTimestamp) {
        key(.timestamp, name)
        appendLE(timestamp.increment)
        appendLE(timestamp.seconds)
    }

    /// Appends an element from another document under a new name.
    public mutating func append(_ name: String, element: BSONElement) {
        key(element.type, name)
        body.append(contentsOf: element.value)
    }

    /// Appends an array of documents.
    public mutating func append(_ name: String, documents: [[UInt8]]) {
        var array = BSONBuilder()
        for (index, document) in documents.enumerated() { array.append(String(index), document: document) }
        key(.array, name)
        body.append(contentsOf: array.bytes)
    }

    public mutating func append(_ name: String, double value: Double) {
        key(.double, name)
        appendLE(value.bitPattern)
    }

    public var isEmpty: Bool { body.isEmpty }

    private mutating func appendLE<T: FixedWidthInteger>(_ value: T) {
        withUnsafeBytes(of: value.littleEndian) { body.append(contentsOf: $0) }
    }

    public var bytes: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(body.count + 5)
        withUnsafeBytes(of: Int32(body.count + 5).littleEndian) { out.append(contentsOf: $0) }
        out.append(contentsOf: body)
        out.append(0)
        return out
    }
}

/// A MongoDB timestamp (oplog position): seconds and an ordinal.
public struct BSONTimestamp: Comparable, Hashable, Sendable, Codable, CustomStringConvertible {
    public var seconds: UInt32
    public var increment: UInt32
    public init(seconds: UInt32, increment: UInt32) {
        self.seconds = seconds
        self.increment = increment
    }
    public static func < (a: BSONTimestamp, b: BSONTimestamp) -> Bool {
        (a.seconds, a.increment) < (b.seconds, b.increment)
    }
    public var description: String { "\(seconds):\(increment)" }
}

/// One element of a document, pointing into the document's bytes.
public struct BSONElement {
    public let type: BSONType
    public let name: String
    /// The value's bytes (for strings: length, bytes, NUL).
    public let value: ArraySlice<UInt8>

    public var int32: Int32? { type == .int32 ? value.loadLE(Int32.self, at: 0) : nil }
    public var int64: Int64? { type == .int64 ? value.loadLE(Int64.self, at: 0) : nil }
    public var bool: Bool? { type == .bool ? value.first == 1 : nil }
    public var double: Double? { type == .double ? Double(bitPattern: value.loadLE(UInt64.self, at: 0)) : nil }
    public var string: String? {
        guard type == .string || type == .javascript || type == .symbol else { return nil }
        let start = value.startIndex + 4
        return String(decoding: value[start..<(value.endIndex - 1)], as: UTF8.self)
    }
    public var document: BSONDocumentView? {
        type == .document || type == .array ? BSONDocumentView(slice: value) : nil
    }
    public var timestamp: BSONTimestamp? {
        guard type == .timestamp else { return nil }
        return BSONTimestamp(seconds: value.loadLE(UInt32.self, at: 4), increment: value.loadLE(UInt32.self, at: 0))
    }
    /// The element re-encoded as a standalone element (type, name, value).
    public var encodedElement: [UInt8] { [type.rawValue] + Array(name.utf8) + [0] + Array(value) }
}

/// Walks a document's top-level elements.
public struct BSONDocumentView: Sequence {
    public let slice: ArraySlice<UInt8>

    public init(slice: ArraySlice<UInt8>) { self.slice = slice }
    public init(_ bytes: [UInt8]) { self.slice = bytes[...] }

    /// Checks the framing (length, terminator, every element's size).
    public func validate() throws {
        guard slice.count >= 5 else { throw BSONError("document shorter than 5 bytes") }
        let declared = Int(slice.loadLE(Int32.self, at: 0))
        guard declared == slice.count else { throw BSONError("declared length \(declared), have \(slice.count) bytes") }
        guard slice.last == 0 else { throw BSONError("document does not end with NUL") }
        var iterator = makeIterator()
        while try iterator.nextElement() != nil {}
    }

    public subscript(_ name: String) -> BSONElement? {
        var iterator = makeIterator()
        while let element = try? iterator.nextElement() {
            if element.name == name { return element }
        }
        return nil
    }

    public func makeIterator() -> Iterator { Iterator(slice: slice) }

    public struct Iterator: IteratorProtocol {
        let slice: ArraySlice<UInt8>
        var offset: Int

        init(slice: ArraySlice<UInt8>) {
            self.slice = slice
            self.offset = slice.startIndex + 4
        }

        public mutating func next() -> BSONElement? { try? nextElement() }

        public mutating func nextElement() throws -> BSONElement? {
            let end = slice.endIndex - 1
            guard offset < end else { return nil }
            guard let type = BSONType(rawValue: slice[offset]) else { throw BSONError("unknown element type 0x\(String(slice[offset], radix: 16))") }
            var cursor = offset + 1
            guard let nameEnd = slice[cursor..<end].firstIndex(of: 0) else { throw BSONError("unterminated key") }
            let name = String(decoding: slice[cursor..<nameEnd], as: UTF8.self)
            cursor = nameEnd + 1
            let size = try valueSize(type, at: cursor, end: end)
            guard cursor + size <= end else { throw BSONError("element '\(name)' runs past the end of its document") }
            offset = cursor + size
            return BSONElement(type: type, name: name, value: slice[cursor..<(cursor + size)])
        }

        private func int32(at position: Int, end: Int) throws -> Int {
            guard position + 4 <= end else { throw BSONError("truncated length") }
            let value = Int(slice.loadLE(Int32.self, at: position - slice.startIndex))
            guard value >= 0 else { throw BSONError("negative length") }
            return value
        }

        private func cstringLength(at position: Int, end: Int) throws -> Int {
            guard let nul = slice[position..<end].firstIndex(of: 0) else { throw BSONError("unterminated string") }
            return nul - position + 1
        }

        private func valueSize(_ type: BSONType, at position: Int, end: Int) throws -> Int {
            switch type {
            case .double, .dateTime, .timestamp, .int64: return 8
            case .string, .javascript, .symbol: return 4 + (try int32(at: position, end: end))
            case .document, .array, .javascriptWithScope: return try int32(at: position, end: end)
            case .binary: return 5 + (try int32(at: position, end: end))
            case .undefined, .null, .minKey, .maxKey: return 0
            case .objectID: return 12
            case .bool: return 1
            case .regex:
                let pattern = try cstringLength(at: position, end: end)
                return pattern + (try cstringLength(at: position + pattern, end: end))
            case .dbPointer: return 4 + (try int32(at: position, end: end)) + 12
            case .int32: return 4
            case .decimal128: return 16
            }
        }
    }
}

extension ArraySlice where Element == UInt8 {
    /// Reads a little-endian integer at an offset from the slice's start.
    public func loadLE<T: FixedWidthInteger>(_: T.Type, at offset: Int) -> T {
        var value: T = 0
        for i in 0..<MemoryLayout<T>.size {
            value |= T(truncatingIfNeeded: self[self.startIndex + offset + i]) << (8 * i)
        }
        return value
    }
}
