import ByteStreams
import Foundation
import LifeboatConfiguration
import LifeboatCore
import Scheduling
import Storage

/// `lifeboat status`: the whole stack on one screen (and in JSON, schema
/// `lifeboat.status/1`): each component's source and last backup, the
/// moments MongoDB can be restored to, each tier, running work, alerts.
/// `attention` lists what needs the operator, most important first.
public struct StackStatus: Codable, Sendable {
    public var generatedAt: Date
    /// Empty when all is well; otherwise the reasons, the first one the most important.
    public var attention: [String]
    public var components: [ComponentStatus]
    public var pointInTime: PointInTimeStatus?
    public var tiers: [TierStatus]
    public var running: RunningWork
    public var service: ServiceRecord

    public struct LastBackup: Codable, Sendable {
        public var set: String
        public var kind: String
        public var label: String?
        public var finishedAt: Date
        public var ageSeconds: Double
        public var storedBytes: Int64
        public var tiers: [String]
        public var verification: String
        public var verificationDepth: String?
        public var verifiedAt: Date?
        /// The version of what it holds, when it has one (code: the commit).
        public var contentVersion: String?
    }
    public struct ComponentStatus: Codable, Sendable {
        public var component: String
        public var source: SourceReachability
        public var lastBackup: LastBackup?
        public var nextRun: Date?
        public var nextRunSchedule: String?
    }
    public struct Chain: Codable, Sendable {
        public var base: String
        public var from: Date
        public var to: Date
    }
    public struct PointInTimeStatus: Codable, Sendable {
        public var tier: String
        public var chains: [Chain]
        /// Stretches between chains that no set covers.
        public var gaps: [String]
        public var newestSlice: String?
        public var newestSliceEnd: Date?
        public var sliceLagSeconds: Double?
    }
    public struct TierStatus: Codable, Sendable {
        public var name: String
        public var location: String
        public var reachable: Bool
        public var problem: String?
        public var sets: Int
        public var storedBytes: Int64
        public var oldest: String?
        public var newest: String?
        /// What `prune` would delete now (a dry run), nil when it could not plan.
        public var nextPruneRemoves: [String]?
        public var nextPruneFreesBytes: Int64?
        /// The price list entry (`local`, a storage class, `SFTP`) and what
        /// the stored bytes cost a month at it (`report --costs` has the rest).
        public var pricingClass: String?
        public var storagePerMonthUSD: Double?
    }
    public struct RunningWork: Codable, Sendable {
        public var lockHolder: String?
        public var interrupted: [String]
    }
    public struct ServiceRecord: Codable, Sendable {
        public var lastFailure: String?
        public var lastDrill: String?
        public var lastDrillRTOSeconds: Double?
        public var lastDrillPassed: Bool?
        public var lastDeepVerification: Date?
        /// The service's last doctor run: when, and its FAIL lines.
        public var lastDoctor: Date?
        public var doctorFailures: [String]?
        public var health: String
        public var healthy: Bool
    }

    public static func gather(settings: Settings, state: DaemonState, now: Date = Date()) -> StackStatus {
        var attention: [String] = []
        let tiers = try? Tiers(settings)
        let listing = tiers.flatMap { try? TieredCatalog(tiers: $0, console: .silent).list() } ?? TieredCatalog.Listing()
        let report = StatusReport(generatedAt: now, state: state, rows: listing.rows,
                                  tierLocations: tiers?.all.map { ($0.name, $0.location) } ?? [],
                                  tierProblems: listing.failures.map { ($0.tier, $0.error.message) }, nextRuns: [],
                                  maxAge: settings.daemon.maxAge, startedAt: nil)
        let health = report.health
        if !health.healthy { attention.append(health.reason) }

        // Components: the newest set holding each, and the source now.
        let schedules = Schedule.all(settings)
        var components: [ComponentStatus] = []
        for source in SourceReachability.all(settings) {
            let component = Component(rawValue: source.component)!
            if source.reachable == false { attention.append("\(component.rawValue): the source does not answer: \(source.detail)") }
            let row = listing.rows.last { row in row.manifest.components.contains(component) && row.manifest.label != "oplog slice" }
            let last = row.map { row -> LastBackup in
                let artifact = row.manifest.artifacts.first { $0.component == component }!
                let records = row.entries.compactMap(\.verification)
                let newest = records.max { $0.checkedAt < $1.checkedAt }
                return LastBackup(set: row.id.rawValue, kind: row.manifest.kind.rawValue, label: row.manifest.label, finishedAt: row.manifest.finishedAt,
                                  ageSeconds: now.timeIntervalSince(row.manifest.finishedAt), storedBytes: artifact.storedBytes + (artifact.index?.storedBytes ?? 0),
                                  tiers: row.tierNames, verification: row.entries.contains { $0.failedComponents.contains(component) } ? "failed" : row.verificationState.rawValue,
                                  verificationDepth: newest?.depth?.rawValue, verifiedAt: newest?.checkedAt,
                                  contentVersion: artifact.contentVersion)
            }
            if source.enabled, last == nil { attention.append("\(component.rawValue): no complete set holds it yet") }
            if last?.verification == "failed" { attention.append("\(component.rawValue): the newest set holding it, \(last!.set), failed verification") }
            let relevant = schedules.filter { $0.isBackup && ($0.kind != .incremental || component == .mongo) }
            let next = relevant.compactMap { schedule in schedule.cron.nextRun(after: now, in: settings.timeZone).map { ($0, schedule.variable) } }.min { $0.0 < $1.0 }
            components.append(ComponentStatus(component: component.rawValue, source: source, lastBackup: last,
                                              nextRun: source.enabled ? next?.0 : nil, nextRunSchedule: source.enabled ? next?.1 : nil))
        }

        // Point in time, in the first tier that holds chains.
        var pointInTime: PointInTimeStatus?
        if settings.mongo.uri != nil || listing.rows.contains(where: { $0.manifest.artifact(.mongo) != nil }) {
            for tier in tiers?.all ?? [] {
                let manifests = listing.rows.filter { $0.tierNames.contains(tier.name) }.map(\.manifest)
                let chains = PointInTime.chains(manifests)
                guard !chains.isEmpty else { continue }
                var gaps: [String] = []
                for (earlier, later) in zip(chains, chains.dropFirst()) where later.coverage.fromDate > earlier.coverage.toDate {
                    gaps.append("\(StatusReport.iso(earlier.coverage.toDate)) to \(StatusReport.iso(later.coverage.fromDate)) (between the chains of \(earlier.coverage.base) and \(later.coverage.base))")
                }
                let slice = manifests.last { $0.label == "oplog slice" }
                let sliceEnd = slice.flatMap(PointInTime.endDate)
                pointInTime = PointInTimeStatus(tier: tier.name,
                                                chains: chains.map { Chain(base: $0.coverage.base.rawValue, from: $0.coverage.fromDate, to: $0.coverage.toDate) },
                                                gaps: gaps, newestSlice: slice?.id.rawValue, newestSliceEnd: sliceEnd,
                                                sliceLagSeconds: sliceEnd.map { now.timeIntervalSince($0) })
                break
            }
            if pointInTime == nil, settings.mongo.uri != nil { attention.append("mongo: no set has an oplog position: nothing to restore to a moment (a replica set is needed)") }
        }

        // Tiers, with what the next prune would remove.
        let pruner = try? Pruner(settings: settings, tiers: tiers?.all ?? [], console: .silent, now: { now })
        var tierStatuses: [TierStatus] = []
        let prices = StoragePrices(overrides: settings.storage.prices)
        for tier in tiers?.all ?? [] {
            let failure = listing.failures.first { $0.tier == tier.name }
            if let failure { attention.append("tier \(tier.name) cannot be listed: \(failure.error.message)") }
            let rows = listing.rows.filter { $0.tierNames.contains(tier.name) }
            let deletions = listing.byTier[tier.name].flatMap { pruner?.plan(tier, from: $0).deletions }
            tierStatuses.append(TierStatus(name: tier.name, location: tier.location, reachable: failure == nil, problem: failure?.error.message,
                                           sets: rows.count, storedBytes: rows.reduce(0) { $0 + $1.manifest.storedBytes },
                                           oldest: rows.first?.id.rawValue, newest: rows.last?.id.rawValue,
                                           nextPruneRemoves: deletions?.map(\.id.rawValue), nextPruneFreesBytes: deletions?.reduce(0) { $0 + $1.storedBytes },
                                           pricingClass: tier.pricingClass,
                                           storagePerMonthUSD: prices.monthlyStorage(bytes: rows.reduce(0) { $0 + $1.manifest.storedBytes }, pricingClass: tier.pricingClass)))
        }

        let holder = BackupLock.holder(of: settings.backupDirectory)
        let newestLocalIncomplete = listing.incomplete.filter { $0.tier == "local" }.map(\.id).max()
        let interrupted = listing.incomplete.filter { !(holder != nil && $0.tier == "local" && $0.id == newestLocalIncomplete) }.map { "\($0.id) (\($0.tier))" }
        if !interrupted.isEmpty { attention.append("interrupted set(s): \(interrupted.joined(separator: ", ")): the next backup or prune removes them") }

        if let doctor = state.lastDoctor, !doctor.failures.isEmpty {
            attention.append("the service's doctor at \(StatusReport.iso(doctor.at)) found \(doctor.failures.count) FAIL: \(doctor.failures.joined(separator: "; ")) (`lifeboat doctor` for the fixes)")
        }
        if let drill = state.lastDrill, !drill.passed { attention.append("the last drill, at \(StatusReport.iso(drill.at)), failed") }
        let deep = listing.rows.flatMap { $0.entries.compactMap { $0.verification?.deepPassedAt } }.max()
        let service = ServiceRecord(lastFailure: state.lastFailure.map { "\(StatusReport.iso($0.at)) \($0.schedule) at \($0.stage): \($0.message)" },
                                    lastDrill: state.lastDrill.map { "\(StatusReport.iso($0.at)) \($0.passed ? "passed" : "FAILED")\($0.setID.map { " (set \($0))" } ?? "")" },
                                    lastDrillRTOSeconds: state.lastDrill?.rtoSeconds, lastDrillPassed: state.lastDrill?.passed,
                                    lastDeepVerification: deep, lastDoctor: state.lastDoctor?.at, doctorFailures: state.lastDoctor?.failures,
                                    health: health.reason, healthy: health.healthy)
        return StackStatus(generatedAt: now, attention: attention, components: components, pointInTime: pointInTime, tiers: tierStatuses,
                           running: RunningWork(lockHolder: holder, interrupted: interrupted), service: service)
    }

    /// The terminal form: the verdict and its reasons first.
    public func text() -> String {
        var lines: [String] = []
        if attention.isEmpty {
            lines.append("ALL WELL: \(service.health)")
        } else {
            lines.append("NEEDS ATTENTION: \(attention[0])")
            for reason in attention.dropFirst() { lines.append("  also: \(reason)") }
        }
        lines.append("")
        lines.append("COMPONENTS")
        for c in components {
            var line = "  " + c.component.padding(toLength: 7, withPad: " ", startingAt: 0)
            guard c.source.enabled else { lines.append(line + c.source.detail); continue }
            line += (c.source.reachable == true ? "source ok" : "source DOWN") + "  "
            if let last = c.lastBackup {
                line += "last \(last.set) (\(last.label ?? last.kind)), \(StatusReport.duration(last.ageSeconds)) ago, \(ByteCount.describe(last.storedBytes)), in \(last.tiers.joined(separator: ","))"
                    + (last.contentVersion.map { ", \($0)" } ?? "")
                line += ", verified: \(last.verification)" + (last.verificationDepth.map { " (\($0))" } ?? "") + (last.verifiedAt.map { " \(StatusReport.iso($0))" } ?? "")
            } else {
                line += "no backup yet"
            }
            if let next = c.nextRun { line += "; next \(StatusReport.iso(next)) (\(c.nextRunSchedule ?? ""))" }
            lines.append(line)
            if c.source.reachable == false { lines.append("         \(c.source.detail)") }
        }
        if let pit = pointInTime {
            lines.append("")
            lines.append("POINT IN TIME (MongoDB, \(pit.tier) tier)")
            for chain in pit.chains { lines.append("  \(StatusReport.iso(chain.from)) to \(StatusReport.iso(chain.to))  chain of \(chain.base)") }
            for gap in pit.gaps { lines.append("  GAP: \(gap)") }
            if let slice = pit.newestSlice, let lag = pit.sliceLagSeconds { lines.append("  newest oplog slice \(slice), \(StatusReport.duration(lag)) behind now") }
        }
        lines.append("")
        lines.append("TIERS")
        for tier in tiers {
            if !tier.reachable { lines.append("  \(tier.name.padding(toLength: 8, withPad: " ", startingAt: 0))\(tier.location): UNREACHABLE: \(tier.problem ?? "")"); continue }
            var line = "  \(tier.name.padding(toLength: 8, withPad: " ", startingAt: 0))\(tier.location): \(tier.sets) set(s), \(ByteCount.describe(tier.storedBytes))"
            if let oldest = tier.oldest, let newest = tier.newest { line += ", \(oldest) … \(newest)" }
            if let removes = tier.nextPruneRemoves {
                line += removes.isEmpty ? "; next prune removes nothing" : "; next prune removes \(removes.count) (\(ByteCount.describe(tier.nextPruneFreesBytes ?? 0)))"
            }
            if let cost = tier.storagePerMonthUSD, let pricing = tier.pricingClass, pricing != "local" {
                line += String(format: "; ~$%.2f a month as %@", cost, pricing)
            }
            lines.append(line)
        }
        lines.append("")
        lines.append("WORK")
        lines.append("  " + (running.lockHolder.map { "running: \($0)" } ?? "nothing running"))
        for set in running.interrupted { lines.append("  interrupted: \(set)") }
        lines.append("  last failure: \(service.lastFailure ?? "none")")
        lines.append("  last drill: " + (service.lastDrill.map { $0 + (service.lastDrillRTOSeconds.map { ", RTO \(StatusReport.duration($0))" } ?? "") } ?? "never"))
        lines.append("  last deep verification: " + (service.lastDeepVerification.map(StatusReport.iso) ?? "never"))
        lines.append("  last doctor (service): " + (service.lastDoctor.map { StatusReport.iso($0) + ", \(service.doctorFailures?.count ?? 0) FAIL" } ?? "never"))
        lines.append(attention.isEmpty ? "status: all well" : "status: \(attention.count) thing(s) need attention (first line)")
        return lines.joined(separator: "\n")
    }
}
