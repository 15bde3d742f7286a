import Foundation
import MongoArchive
import MongoClient
import RawBSON

/// A tailable, awaiting cursor on the oplog, kept open: entries arrive as
/// they are written, with no re-scan of the oplog for each slice.
///
/// An entry written while the cursor opens can be missing from it: the
/// MongoDB-compatible server used here (SecantusDB 0.7) answers the find
/// and then anchors the tail at its newest entry, so a write between the
/// two is in neither. The find is therefore sent at once (not lazily on
/// the first read), and callers close the opening window with one query
/// (`OplogSlicer` takes its first slice after an open by query).
public final class OplogTail {
    private let connection: MongoConnection
    private let cursor: MongoCursor
    private let filter: MongoDumper
    /// The newest entry read so far.
    public private(set) var position: BSONTimestamp
    /// The first entry, read when the cursor opened.
    private var opening: [[UInt8]] = []

    /// Opens the tail at the oplog's newest entry. What came before is
    /// the caller's to take by query (which also finds a gap).
    public init(uri: String, selection: NamespaceSelection = NamespaceSelection()) throws {
        let position: BSONTimestamp
        do {
            connection = try MongoConnection(uri: uri)
            let newest = try connection.find("local", "oplog.rs", options: #"{"sort": {"$natural": -1}, "limit": 1, "projection": {"ts": 1}}"#)
            position = try newest.nextDocument()?.view["ts"]?.timestamp ?? BSONTimestamp(seconds: 0, increment: 0)
            let query = #"{"ts": {"$gt": {"$timestamp": {"t": \#(position.seconds), "i": \#(position.increment)}}}}"#
            cursor = try connection.find("local", "oplog.rs", filter: query,
                                         options: #"{"tailable": true, "awaitData": true, "maxAwaitTimeMS": 500}"#)
        } catch {
            throw MongoSourceError.from(error)
        }
        filter = MongoDumper(uri: uri, options: .init(selection: selection, toolVersion: "lifeboat"))
        self.position = position
        do {
            // One read sends the find (a live writer would keep a drain going forever).
            if let entry = try cursor.next() { opening.append(Array(entry)) }
        } catch {
            throw MongoSourceError.from(error)
        }
    }

    /// The entries written since the last call that concern the dump's
    /// namespaces, read until `deadline` (returns within about half a
    /// second of it). Throws when the cursor dies (open a new tail).
    public func collect(until deadline: Date) throws -> [[UInt8]] {
        var entries: [[UInt8]] = []
        for bytes in opening { accept(bytes, into: &entries) }
        opening = []
        repeat {
            do {
                while let entry = try cursor.next() {
                    accept(Array(entry), into: &entries)
                    if Date() >= deadline { return entries }
                }
            } catch {
                throw MongoSourceError.from(error)
            }
            guard cursor.isAlive else { throw MongoSourceError("the oplog cursor was closed by the server", kind: .unreachable) }
        } while Date() < deadline
        return entries
    }

    private func accept(_ bytes: [UInt8], into entries: inout [[UInt8]]) {
        let view = BSONDocumentView(bytes)
        guard let ts = view["ts"]?.timestamp, ts > position else { return }
        position = ts
        if filter.concerns(view) { entries.append(bytes) }
    }
}
