import LifeboatConfiguration
import Foundation
import S3Storage
import Storage

/// S3 and Glacier: the bucket and every operation the tier needs with its
/// credentials, the clock (SigV4 refuses beyond 15 minutes), and bucket
/// settings that contradict the retention.
enum RemoteTierCheck {
    static func findings(_ context: DoctorContext) -> [DoctorFinding] {
        guard let tiers = context.tiers else { return [] }
        guard !tiers.remote.isEmpty else {
            return [DoctorFinding("s3", "configured", .notChecked, "AWS_S3_BUCKET is not set and TARGETS names none: no off-site copy (the guide asks for one)")]
        }
        var findings: [DoctorFinding] = []
        for tier in tiers.remote {
            if let s3 = tier as? S3Tier {
                let lock = context.settings.storage.targets.first { $0.name == tier.name }.map { target -> String? in
                    if case .s3(_, _, let lock) = target.place { return lock }
                    return nil
                } ?? context.settings.storage.objectLock
                findings += check(s3, context, objectLock: lock)
            } else {
                findings += checkByRoundTrip(tier)
            }
        }
        return findings
    }

    /// A target that is not S3 (SFTP): a small object written, listed,
    /// read back and deleted, as a set's copy and prune would.
    static func checkByRoundTrip(_ tier: any StorageTier) -> [DoctorFinding] {
        let key = ".lifeboat-probe-\(String(UInt64.random(in: 0...UInt64.max), radix: 36))/probe"
        let bytes = Array("lifeboat doctor probe".utf8)
        var done: [String] = []
        do {
            try tier.put(key: key, bytes: bytes); done.append("write")
            guard try tier.list(prefix: String(key.split(separator: "/")[0])).contains(where: { $0.key == key }) else { throw LifeboatError(.failure, "the written object is not listed") }
            done.append("list")
            guard try tier.get(key: key) == bytes else { throw LifeboatError(.failure, "the object read back differs from what was written") }
            done.append("read")
            try tier.deleteAll(prefix: String(key.split(separator: "/")[0])); done.append("delete")
            return [DoctorFinding(tier.name, "access", .ok, "\(tier.location): write, list, read and delete all work (probe \(key), removed)")]
        } catch {
            let failure = LifeboatError.wrap(error, doing: done.count < 4 ? ["write", "list", "read", "delete"][done.count] : "probe")
            return [DoctorFinding(tier.name, "access", .fail, "\(tier.location): \(failure.message)" + (done.isEmpty ? "" : "; \(done.joined(separator: ", ")) worked"),
                                  fix: failure.hint ?? "check the target's URL, key and the folder's permissions")]
        }
    }

    static func check(_ tier: S3Tier, _ context: DoctorContext, objectLock wanted: String?) -> [DoctorFinding] {
        let name = tier.name
        let report = tier.probe()
        var findings: [DoctorFinding] = []
        if let failed = report.steps.first(where: { !$0.passed }), let error = failed.error {
            let passed = report.steps.filter(\.passed).map(\.operation)
            let code = error.code.flatMap { $0.isEmpty ? nil : " (\($0))" } ?? ""
            let skewed = error.code == "RequestTimeTooSkewed"
            findings.append(DoctorFinding(name, "access", .fail,
                                          "\(tier.location): \(failed.operation) failed\(code): \(error.message)" + (passed.isEmpty ? "" : "; \(passed.joined(separator: ", ")) worked")
                                            + (failed.operation == "delete" ? "; the probe objects under \(report.probeKey) remain (prune could not delete sets either)" : ""),
                                          fix: skewed ? "set this machine's clock (NTP): S3 refuses requests more than 15 minutes off"
                                                      : error.hint ?? "check the bucket policy: the tier needs s3:ListBucket, PutObject, GetObject, DeleteObject and multipart uploads"))
        } else {
            findings.append(DoctorFinding(name, "access", .ok, "\(tier.location): list, put, get, multipart upload and delete all work (probe under \(report.probeKey), removed)"))
        }
        if let offset = report.clockOffsetSeconds {
            let size = abs(offset)
            let status: DoctorFinding.Status = size > 900 ? .fail : size > 60 ? .warn : .ok
            findings.append(DoctorFinding(name, "clock", status, size < 2 ? "this machine's clock matches the server's (within the Date header's 1 s)"
                                          : String(format: "this machine's clock is %.0f s %@ the server's", size, offset > 0 ? "behind" : "ahead of"),
                                          fix: "synchronise the clock (NTP): SigV4 requests fail beyond 15 minutes, and set ages are computed from it"))
        }
        if report.versioningAnswered {
            if report.versioning == "Enabled" && wanted != nil {
                findings.append(DoctorFinding(name, "versioning", .ok, "versioning is on, as Object Lock needs; prune deletes every version of a set once its lock expired"))
            } else if report.versioning == "Enabled" {
                let expires = report.rulesOverTier.contains { $0.expirationDays != nil }
                findings.append(DoctorFinding(name, "versioning", .warn,
                                              "versioning is on: a pruned set stays as noncurrent versions, still billed" + (expires ? "" : ", and no lifecycle rule here removes them"),
                                              fix: "add a lifecycle rule with NoncurrentVersionExpiration, or turn versioning off (Object Lock needs it on)"))
            } else {
                findings.append(DoctorFinding(name, "versioning", .ok, "versioning is \(report.versioning?.lowercased() ?? "off"): prune frees what it deletes"))
            }
        }
        if let lock = report.objectLock {
            if let wanted, !lock {
                findings.append(DoctorFinding(name, "object lock", .fail, "object lock \(wanted.lowercased()) is asked for, but the bucket has no Object Lock: uploads would be refused",
                                              fix: "create a bucket with Object Lock on (aws s3api create-bucket --object-lock-enabled-for-bucket …) and point the tier at it, or set S3_OBJECT_LOCK=off"))
            } else if let wanted {
                findings.append(DoctorFinding(name, "object lock", .ok, "Object Lock is on; every object is written \(wanted.lowercased()) for \(context.settings.storage.retention(for: name).days) days (this tier's retention), so these credentials cannot delete a set before then"))
            } else {
                findings.append(DoctorFinding(name, "object lock", .ok, lock ? "Object Lock is on (default retention: \(report.objectLockDefault ?? "none")); S3_OBJECT_LOCK=governance or compliance sets each object's own"
                                                                                           : "Object Lock is off: the tier's credentials can delete its sets",
                                              fix: lock ? nil : "for copies a stolen credential cannot delete: a bucket with Object Lock on and S3_OBJECT_LOCK=governance (or compliance)"))
            }
        }
        let retention = context.settings.storage.retention(for: name).days
        if let rules = report.lifecycle {
            var contradictions: [String] = []
            for rule in report.rulesOverTier {
                if let days = rule.expirationDays, days < retention {
                    contradictions.append("rule '\(rule.id)' deletes objects under '\(rule.prefix)' after \(days) days, before this tier's retention of \(retention) days")
                }
                if name == "s3", let days = rule.transitionDays, let storageClass = rule.transitionClass, ["GLACIER", "DEEP_ARCHIVE"].contains(storageClass) {
                    contradictions.append("rule '\(rule.id)' moves objects to \(storageClass) after \(days) days: restores from s3 then need `lifeboat thaw` first")
                }
            }
            if contradictions.isEmpty {
                findings.append(DoctorFinding(name, "lifecycle", .ok, rules.isEmpty ? "no lifecycle rules: only prune removes sets" : "\(rules.count) lifecycle rules, none contradicting the retention of \(retention) days"))
            } else {
                findings.append(DoctorFinding(name, "lifecycle", .fail, contradictions.joined(separator: "; "),
                                              fix: "let prune remove sets (it keeps incrementals' parents): remove the rule, or make it expire after more than \(retention) days"))
            }
        }
        if name == "glacier" {
            let storage = context.settings.storage
            let hours = retrievalHours(storage.glacierStorageClass, storage.glacierRetrieval)
            let slow = hours.map { $0 > 4 } ?? false
            findings.append(DoctorFinding(name, "retrieval", slow ? .warn : .ok,
                                          "\(storage.glacierStorageClass) with \(storage.glacierRetrieval) retrieval (\(hours.map { "up to \(Int($0)) h" } ?? "unknown time")), thawed for \(storage.glacierRestoreDays) days",
                                          fix: "a restore from glacier alone cannot meet a 4-hour RTO: keep the s3 tier's 30 days, or use GLACIER_RETRIEVAL_TIER=Expedited (GLACIER class) or GLACIER_STORAGE_CLASS=GLACIER_IR"))
        }
        return findings
    }

    /// AWS's published upper bounds for a restore, in hours.
    static func retrievalHours(_ storageClass: String, _ retrieval: String) -> Double? {
        switch (storageClass.uppercased(), retrieval.lowercased()) {
        case ("GLACIER", "expedited"): return 0.1
        case ("GLACIER", "standard"): return 5
        case ("GLACIER", "bulk"): return 12
        case ("DEEP_ARCHIVE", "standard"): return 12
        case ("DEEP_ARCHIVE", "bulk"): return 48
        case ("GLACIER_IR", _), ("STANDARD_IA", _), ("STANDARD", _), ("ONEZONE_IA", _): return 0
        default: return nil
        }
    }
}
