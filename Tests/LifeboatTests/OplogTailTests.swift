import Foundation
import MongoClient
import MongoSource
import RawBSON
import Testing
import TestSupport

/// The tail delivers every entry written after it opened exactly once
/// while a writer is running (the opening instant is the slicer's to
/// cover, see OplogSlicer).
@Suite(.serialized) struct OplogTailTests {
    @Test func deliversEveryEntryOfAConcurrentWriter() throws {
        guard let uri = try TestServers.mongoURI() else { return }
        let db = TestServers.uniquePrefix("tail")
        let connection = try MongoConnection(uri: uri)
        defer { _ = try? connection.command(db, json: #"{"dropDatabase": 1}"#) }
        let tail = try OplogTail(uri: uri)
        let writes = 400
        let done = DispatchSemaphore(value: 0)
        let writer = Thread {
            guard let c = try? MongoConnection(uri: uri) else { return }
            for i in 0..<writes {
                _ = try? c.command(db, json: #"{"insert": "w", "documents": [{"i": \#(i)}]}"#)
            }
            done.signal()
        }
        writer.start()
        var delivered: [[UInt8]] = []
        let until = Date().addingTimeInterval(15)
        while Date() < until {
            delivered += try tail.collect(until: Date().addingTimeInterval(1))
            let mine = delivered.filter { BSONDocumentView($0)["ns"]?.string == "\(db).w" }
            if mine.count >= writes { break }
        }
        done.wait()
        let mine = delivered.compactMap { bytes -> Int? in
            let view = BSONDocumentView(bytes)
            guard view["ns"]?.string == "\(db).w" else { return nil }
            return (view["o"]?.document?["i"]?.int32).map(Int.init)
        }
        let missing = Set(0..<writes).subtracting(mine).sorted()
        #expect(missing == [], "writes not delivered: \(missing)")
        #expect(mine.count == writes)
    }
}
