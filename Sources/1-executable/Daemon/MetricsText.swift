import Foundation
import LifeboatCore

/// The Prometheus text exposition format (version 0.0.4) of a status report.
public enum MetricsText {
    public static func render(_ report: StatusReport) -> String {
        var out = ""
        func metric(_ name: String, _ type: String, _ help: String, _ samples: [(labels: [(String, String)], value: Double)]) {
            out += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
            for sample in samples {
                let labels = sample.labels.isEmpty ? "" : "{" + sample.labels.map { "\($0.0)=\"\(escape($0.1))\"" }.joined(separator: ",") + "}"
                out += "\(name)\(labels) \(format(sample.value))\n"
            }
        }
        let state = report.state
        metric("lifeboat_up", "gauge", "1 while the service runs.", [([], 1)])
        metric("lifeboat_healthy", "gauge", "1 when the last scheduled backup succeeded within BACKUP_MAX_AGE.", [([], report.health.healthy ? 1 : 0)])
        if let success = state.lastSuccess {
            metric("lifeboat_last_success_timestamp_seconds", "gauge", "When the last successful backup finished (Unix time).",
                   [([], success.finishedAt.timeIntervalSince1970)])
            metric("lifeboat_last_backup_duration_seconds", "gauge", "Wall time of the last successful backup, copies included.",
                   [([], success.durationSeconds)])
            metric("lifeboat_last_backup_bytes", "gauge", "Stored bytes of the last successful backup, per component and tier.",
                   success.bytesByComponent.sorted { $0.key < $1.key }.flatMap { component, bytes in
                       success.tiers.map { ([("component", component), ("tier", $0)], Double(bytes)) }
                   })
        }
        metric("lifeboat_failures_total", "counter", "Failed runs by stage (backup, copy, verify, prune).",
               ["backup", "copy", "verify", "prune"].map { ([("stage", $0)], Double(state.failuresByStage[$0] ?? 0)) })
        var perTier: [String: Int] = [:]
        for row in report.rows { for tier in row.tierNames { perTier[tier, default: 0] += 1 } }
        metric("lifeboat_sets", "gauge", "Complete sets per tier.",
               report.tierLocations.map { ([("tier", $0.name)], Double(perTier[$0.name] ?? 0)) })
        if let newest = report.rows.last(where: { $0.manifest.kind == .full }) {
            let flagged = Set((newest.manifest.anomalies ?? []).map(\.component))
            metric("lifeboat_size_anomaly", "gauge", "1 when the newest full set's component is far from its usual size (BACKUP_SIZE_ANOMALY).",
                   newest.manifest.components.map { ([("component", $0.rawValue)], flagged.contains($0) ? 1 : 0) })
        }
        metric("lifeboat_verifications_total", "counter", "Verifications by result.",
               ["passed", "failed"].map { ([("result", $0)], Double(state.verificationsByResult[$0] ?? 0)) })
        if let passed = state.lastVerificationPassed {
            metric("lifeboat_last_verification_passed", "gauge", "1 when the last verification passed.", [([], passed ? 1 : 0)])
        }
        if let drill = state.lastDrill {
            metric("lifeboat_last_drill_passed", "gauge", "1 when the last disaster-recovery drill passed.", [([], drill.passed ? 1 : 0)])
            metric("lifeboat_last_drill_timestamp_seconds", "gauge", "When the last drill began (Unix time).", [([], drill.at.timeIntervalSince1970)])
            if let rto = drill.rtoSeconds {
                metric("lifeboat_last_drill_rto_seconds", "gauge", "Recovery time the last drill achieved.", [([], rto)])
            }
        }
        if let doctor = state.lastDoctor {
            metric("lifeboat_doctor_findings", "gauge", "Findings of the service's last doctor run, by status.",
                   ["OK", "WARN", "FAIL", "NOT CHECKED"].map { ([("status", $0)], Double(doctor.counts[$0] ?? 0)) })
            metric("lifeboat_doctor_timestamp_seconds", "gauge", "When the last doctor run was (Unix time).", [([], doctor.at.timeIntervalSince1970)])
        }
        metric("lifeboat_pruned_bytes_total", "counter", "Bytes deleted by prune since the state began.", [([], Double(state.bytesPruned))])
        if let next = report.nextRuns.compactMap({ $0.runs.first }).min() {
            metric("lifeboat_next_run_timestamp_seconds", "gauge", "When the next scheduled run is due (Unix time).", [([], next.timeIntervalSince1970)])
        }
        return out
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"").replacingOccurrences(of: "\n", with: "\\n")
    }

    static func format(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }
}
