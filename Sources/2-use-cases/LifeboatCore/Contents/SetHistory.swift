import FileSources
import Foundation
import MongoSource
import RawBSON
import RedisSource

/// The history of the sets kept, per component, from their manifests
/// alone (nothing is downloaded): what `lifeboat stats` prints and the
/// report page draws.
public struct SetHistory: Sendable, Codable {
    /// One component's artifact in one set.
    public struct Point: Sendable, Codable, Equatable {
        public var id: BackupSetID
        public var time: Date
        public var storedBytes: Int64
        public var rawBytes: Int64
        /// Documents, files or keys, for a whole artifact (nil for deltas and oplog-only artifacts).
        public var count: Int?
        /// Seconds the artifact took to write (nil in sets older than the field).
        public var seconds: Double?
        /// Only the changes since an earlier set (files delta, MongoDB oplog).
        public var partial: Bool
    }

    public struct ComponentStatistics: Sendable, Codable, Equatable {
        public var component: String
        /// What `count` counts: documents, files, keys (nil: nothing countable).
        public var countUnit: String?
        public var sets: Int
        public var storedBytes: Int64
        public var latestStoredBytes: Int64
        public var latestRawBytes: Int64
        /// Stored over raw bytes of the newest whole artifact (compression).
        public var storedToRaw: Double?
        public var latestCount: Int?
        public var meanSeconds: Double?
        /// Growth of the whole artifacts' raw bytes per week (least squares), nil with fewer than two.
        public var rawGrowthPerWeek: Double?
        public var points: [Point]
    }

    /// One set as a whole.
    public struct SetPoint: Sendable, Codable, Equatable {
        public var id: BackupSetID
        public var time: Date
        public var kind: String
        public var label: String?
        public var storedBytes: Int64
        public var seconds: Double
    }

    /// A span in which MongoDB can be restored to any moment: a full set's
    /// consistent point, extended by each incremental (or oplog slice) of
    /// its chain whose oplog starts where the previous one ended.
    public struct RestorableWindow: Sendable, Codable, Equatable {
        public var base: BackupSetID
        public var start: Date
        public var end: Date
        /// Full sets: 1; plus every incremental that extended it.
        public var sets: Int
    }

    public var generatedAt: Date
    public var components: [ComponentStatistics]
    public var sets: [SetPoint]
    public var mongoWindows: [RestorableWindow]
    /// Spans between windows (and breaks inside a chain) with no restorable moment.
    public var mongoGaps: [RestorableWindow]

    public static func build(_ rows: [TieredCatalog.Row], now: Date = Date()) -> SetHistory {
        let ordered = rows.sorted { $0.manifest.startedAt < $1.manifest.startedAt }
        var byComponent: [Component: [Point]] = [:]
        for row in ordered {
            for artifact in row.manifest.artifacts {
                let partial = artifact.delta == true || (artifact.component == .mongo && row.manifest.kind == .incremental)
                byComponent[artifact.component, default: []].append(Point(
                    id: row.id, time: row.manifest.startedAt, storedBytes: artifact.storedBytes + (artifact.index?.storedBytes ?? 0),
                    rawBytes: artifact.rawBytes, count: partial ? nil : count(artifact), seconds: artifact.seconds, partial: partial))
            }
        }
        let components = Component.allCases.compactMap { component -> ComponentStatistics? in
            guard let points = byComponent[component], let latest = points.last else { return nil }
            let whole = points.filter { !$0.partial }
            let timed = points.compactMap(\.seconds)
            return ComponentStatistics(
                component: component.rawValue, countUnit: unit(component), sets: points.count,
                storedBytes: points.reduce(0) { $0 + $1.storedBytes }, latestStoredBytes: latest.storedBytes, latestRawBytes: latest.rawBytes,
                storedToRaw: whole.last.flatMap { $0.rawBytes > 0 ? Double($0.storedBytes) / Double($0.rawBytes) : nil },
                latestCount: whole.last?.count, meanSeconds: timed.isEmpty ? nil : timed.reduce(0, +) / Double(timed.count),
                rawGrowthPerWeek: slopePerWeek(whole.map { ($0.time, Double($0.rawBytes)) }), points: points)
        }
        let sets = ordered.map { row in
            SetPoint(id: row.id, time: row.manifest.startedAt, kind: row.manifest.kind.rawValue, label: row.manifest.label,
                     storedBytes: row.manifest.storedBytes, seconds: row.manifest.finishedAt.timeIntervalSince(row.manifest.startedAt))
        }
        let (windows, gaps) = restorableWindows(ordered)
        return SetHistory(generatedAt: now, components: components, sets: sets, mongoWindows: windows, mongoGaps: gaps)
    }

    static func count(_ artifact: Manifest.Artifact) -> Int? {
        switch artifact.component {
        case .mongo: return artifact.mongo?.documentCount
        case .redis: return artifact.redis?.totalKeys
        case .files, .config: return artifact.tree?.files
        default: return nil
        }
    }

    static func unit(_ component: Component) -> String? {
        switch component {
        case .mongo: return "documents"
        case .redis: return "keys"
        case .files, .config: return "files"
        default: return nil
        }
    }

    /// Least-squares slope of `points`, per week.
    static func slopePerWeek(_ points: [(Date, Double)]) -> Double? {
        guard points.count >= 2 else { return nil }
        let xs = points.map { $0.0.timeIntervalSince1970 / (7 * 86_400) }, ys = points.map(\.1)
        let mx = xs.reduce(0, +) / Double(xs.count), my = ys.reduce(0, +) / Double(ys.count)
        let sxx = zip(xs, xs).reduce(0) { $0 + ($1.0 - mx) * ($1.1 - mx) }
        guard sxx > 0 else { return nil }
        return zip(xs, ys).reduce(0) { $0 + ($1.0 - mx) * ($1.1 - my) } / sxx
    }

    static func restorableWindows(_ ordered: [TieredCatalog.Row]) -> ([RestorableWindow], [RestorableWindow]) {
        var windows: [RestorableWindow] = []
        var gaps: [RestorableWindow] = []
        var lastEnd: BSONTimestamp?
        func date(_ ts: BSONTimestamp) -> Date { Date(timeIntervalSince1970: Double(ts.seconds)) }
        for row in ordered {
            guard let mongo = row.manifest.artifact(.mongo)?.mongo else { continue }
            if row.manifest.kind == .full {
                let point = mongo.oplog.map { date($0.end) } ?? row.manifest.finishedAt
                if let previous = windows.last, previous.end < point {
                    gaps.append(RestorableWindow(base: row.id, start: previous.end, end: point, sets: 0))
                }
                windows.append(RestorableWindow(base: row.id, start: point, end: point, sets: 1))
                lastEnd = mongo.oplog?.end
                continue
            }
            // An incremental extends its chain's window when its oplog begins where the window ends.
            guard let oplog = mongo.oplog, var window = windows.last else { continue }
            if row.manifest.base == window.base || row.manifest.base == nil, let end = lastEnd, oplog.start == end {
                window.end = max(window.end, date(oplog.end))
                window.sets += 1
                windows[windows.count - 1] = window
                lastEnd = oplog.end
            } else if let end = lastEnd, oplog.start != end {
                gaps.append(RestorableWindow(base: row.id, start: date(end), end: date(oplog.start), sets: 0))
            }
        }
        return (windows, gaps)
    }
}

extension SetBrowser {
    /// The sets of every tier (or `tier`'s), as a history.
    public func history(tier name: String?) throws -> SetHistory {
        let listing = try TieredCatalog(tiers: tiers, console: console).list(only: name.map { [$0] })
        if let failure = listing.failures.first, listing.rows.isEmpty { throw failure.error }
        return SetHistory.build(listing.rows)
    }
}
