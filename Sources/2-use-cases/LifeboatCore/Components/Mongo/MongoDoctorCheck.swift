import LifeboatConfiguration
import Foundation
import MongoSource
import Scheduling

/// MongoDB: reachable and authenticated, allowed to back up and restore,
/// a topology with an oplog, an oplog window that covers the incremental
/// interval, and a version the newest set can be restored into.
enum MongoCheck {
    static func findings(_ context: DoctorContext) -> [DoctorFinding] {
        guard let uri = context.settings.mongo.uri else {
            return [DoctorFinding("mongo", "configured", .notChecked, "MONGO_URI is not set: MongoDB is not backed up")]
        }
        let health: MongoHealth
        do {
            health = try MongoHealth.probe(uri: uri)
        } catch let error as MongoSourceError {
            let check = error.kind == .authentication ? "authenticated" : "reachable"
            return [DoctorFinding("mongo", check, .fail, error.message, fix: error.hint)]
        } catch {
            return [DoctorFinding("mongo", "reachable", .fail, "\(error)", fix: "check MONGO_URI")]
        }
        var findings: [DoctorFinding] = []
        let who = health.user.map { "as \($0)" } ?? (health.accessControl == true ? "without credentials" : "(access control off)")
        findings.append(DoctorFinding("mongo", "reachable", .ok, "MongoDB \(health.version) answers \(who)"))

        if let last = context.newestArtifact(.mongo)?.mongo {
            let major = { (version: String) in version.split(separator: ".").prefix(2).joined(separator: ".") }
            let same = major(last.serverVersion) == major(health.version)
            findings.append(DoctorFinding("mongo", "version", same ? .ok : .warn,
                                          "the server runs \(health.version); the newest set was dumped from \(last.serverVersion)",
                                          fix: "restoring across major versions can fail on index and validator options: restore into \(last.serverVersion)'s major version, then upgrade"))
        }

        if let name = health.replicaSet {
            findings.append(DoctorFinding("mongo", "topology", .ok,
                                          "replica set \(name), this member is \(health.isWritablePrimary ? "the primary" : "a secondary")"))
        } else {
            findings.append(DoctorFinding("mongo", "topology", .warn,
                                          "a standalone server: it has no oplog, so a dump is not a consistent moment, there are no hourly incrementals and no point-in-time restore",
                                          fix: "make it a single-node replica set: start mongod with --replSet rs0 (compose: command: [\"--replSet\", \"rs0\"]), run rs.initiate() once, add ?replicaSet=rs0 to MONGO_URI"))
        }

        // Backing up: reading every database (and the oplog).
        if health.unreadableDatabases.isEmpty {
            findings.append(DoctorFinding("mongo", "backup rights", .ok, "every database can be read (\(health.readableDatabases.count) databases)"))
        } else {
            findings.append(DoctorFinding("mongo", "backup rights", .fail,
                                          "cannot read " + health.unreadableDatabases.map { "\($0.db) (\($0.message))" }.joined(separator: "; "),
                                          fix: "grant the backup role: db.getSiblingDB('admin').grantRolesToUser('\(health.user?.split(separator: "@").first.map(String.init) ?? "USER")', ['backup'])"))
        }
        // Restoring: writing every database of the newest set (judged by the roles: nothing is written).
        let databases = context.newestArtifact(.mongo)?.mongo.map { Array(Set($0.namespaces.map { String($0.namespace.split(separator: ".").first ?? "") })).sorted() }
            ?? health.readableDatabases.filter { $0 != "admin" }
        let roles = health.roles.map { "\($0.role)@\($0.db)" }.joined(separator: ", ")
        switch health.databasesNotWritable(databases) {
        case nil:
            findings.append(DoctorFinding("mongo", "restore rights", .ok, "access control is off: a restore may write every database"))
        case _? where databases.isEmpty && !health.roles.contains(where: { MongoHealth.restoreRoles.contains($0.role) }):
            findings.append(DoctorFinding("mongo", "restore rights", .warn,
                                          "the roles (\(roles.isEmpty ? "none" : roles)) include no restore, root or readWriteAnyDatabase: a restore could write only where readWrite is granted",
                                          fix: "restore with a user that has the restore role, or grant it: grantRolesToUser('USER', ['restore'])"))
        case let missing? where missing.isEmpty:
            findings.append(DoctorFinding("mongo", "restore rights", .ok, "the roles (\(roles)) allow restoring every database and replaying the oplog"))
        case let missing?:
            findings.append(DoctorFinding("mongo", "restore rights", .warn,
                                          "with these credentials a restore could not write \(missing.joined(separator: ", ")) (roles: \(roles.isEmpty ? "none" : roles))",
                                          fix: "restore with a user that has the restore role (MONGO_URI of the restore), or grant it: grantRolesToUser('USER', ['restore'])"))
        }
        if health.replicaSet != nil, let oplog = health.oplog {
            findings.append(oplogFinding(oplog, context))
        }
        return findings
    }

    /// The window against the incremental interval: an oplog that rolls
    /// over between two incrementals leaves a gap (the next run falls back
    /// to a full, and point-in-time has a hole).
    static func oplogFinding(_ result: Result<MongoHealth.Oplog, MongoSourceError>, _ context: DoctorContext) -> DoctorFinding {
        let oplog: MongoHealth.Oplog
        switch result {
        case .failure(let error):
            if error.kind == .unsupported { return DoctorFinding("mongo", "oplog window", .warn, error.message, fix: "write once to the server; the oplog fills from then") }
            return DoctorFinding("mongo", "oplog window", .fail, "cannot read local.oplog.rs: \(error.message)",
                                 fix: "grant the backup role (it reads the oplog); without it there are no incrementals or point-in-time")
        case .success(let value): oplog = value
        }
        let interval = longestGap(context.settings.daemon.incrementalSchedule, context.settings.timeZone, after: context.now)
        let slice = context.settings.daemon.oplogStream ? ", OPLOG_SLICE_SECONDS=\(context.settings.daemon.oplogSliceSeconds)" : ""
        let against = "BACKUP_INCREMENTAL_SCHEDULE '\(context.settings.daemon.incrementalSchedule.source)' runs every \(hours(interval))\(slice)"
        guard let fullness = oplog.fullness else {
            return DoctorFinding("mongo", "oplog window", .notChecked,
                                 "the oplog spans \(hours(oplog.span)) (since \(iso(oplog.first))), but the server does not report its size and cap (collStats), so the window at the current write rate is unknown; \(against)")
        }
        let window = fullness >= 0.95 ? oplog.span : oplog.span / max(fullness, 0.0001)
        let state = fullness >= 0.95 ? "full: it spans \(hours(oplog.span))" : "\(Int(fullness * 100))% full after \(hours(oplog.span)): at this write rate it will span about \(hours(window))"
        let status: DoctorFinding.Status = window < interval ? .fail : window < 3 * interval ? .warn : .ok
        return DoctorFinding("mongo", "oplog window", status, "the oplog is \(state); \(against)",
                             fix: "raise the oplog size (db.adminCommand({replSetResizeOplog: 1, size: MB})) or run incrementals more often, so the window covers at least three intervals")
    }

    static func longestGap(_ cron: CronExpression, _ zone: TimeZone, after date: Date) -> TimeInterval {
        let runs = cron.nextRuns(after: date, count: 48, in: zone)
        return zip(runs, runs.dropFirst()).map { $1.timeIntervalSince($0) }.max() ?? 3600
    }

    static func hours(_ seconds: TimeInterval) -> String {
        seconds < 5400 ? "\(Int(seconds / 60)) min" : String(format: "%.1f h", seconds / 3600)
    }

    static func iso(_ date: Date) -> String { date.formatted(Date.ISO8601FormatStyle()) }
}
