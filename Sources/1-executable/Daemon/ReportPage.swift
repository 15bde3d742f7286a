import ByteStreams
import Foundation
import LifeboatCore

/// The guide's backup report: last backup, sizes, each tier's contents,
/// failures, next runs. As a small HTML page (no external assets) and as
/// terminal text (`lifeboat report`).
public enum ReportPage {
    struct Section {
        var title: String
        var lines: [String] = []
        var table: (header: [String], rows: [[String]])?
    }

    static func sections(_ report: StatusReport) -> [Section] {
        var sections: [Section] = []
        let health = report.health
        var status = Section(title: "Status")
        status.lines.append((health.healthy ? "HEALTHY: " : "UNHEALTHY: ") + health.reason)
        if let success = report.state.lastSuccess {
            status.lines.append("Last backup: \(success.setID) (\(success.schedule)), finished \(StatusReport.iso(success.finishedAt)), "
                + "took \(StatusReport.duration(success.durationSeconds)), in \(success.tiers.joined(separator: ", "))")
            status.lines.append("Sizes: " + success.bytesByComponent.sorted { $0.key < $1.key }.map { "\($0.key) \(bytes($0.value))" }.joined(separator: ", "))
        }
        if let failure = report.state.lastFailure {
            status.lines.append("Last failure: \(StatusReport.iso(failure.at)), \(failure.schedule) at stage \(failure.stage): \(failure.message)")
        }
        if let verified = report.state.lastVerification {
            status.lines.append("Last verification: \(StatusReport.iso(verified)), \(report.state.lastVerificationPassed == true ? "passed" : "FAILED")")
        }
        let failures = report.state.failuresByStage.filter { $0.value > 0 }.sorted { $0.key < $1.key }
        status.lines.append("Failures so far: " + (failures.isEmpty ? "none" : failures.map { "\($0.key) \($0.value)" }.joined(separator: ", ")))
        sections.append(status)

        for tier in report.tierLocations {
            var section = Section(title: "Tier \(tier.name) (\(tier.location))")
            let rows = report.rows.filter { $0.tierNames.contains(tier.name) }
            if let problem = report.tierProblems.first(where: { $0.tier == tier.name }) {
                section.lines.append("cannot be listed: \(problem.message)")
            } else if rows.isEmpty {
                section.lines.append("no complete sets")
            } else {
                let total = rows.reduce(Int64(0)) { $0 + $1.manifest.storedBytes }
                section.lines.append("\(rows.count) set(s), \(bytes(total))")
                if let price = report.tierPrices[tier.name], price.pricingClass != "local" {
                    section.lines.append(String(format: "storage: ~$%.2f a month as %@ (at $%.4f per GB-month; `lifeboat report --costs` for growth and savings)",
                                                Double(total) / 1_000_000_000 * price.perGBMonth, price.pricingClass, price.perGBMonth))
                }
                section.table = (["SET", "CREATED (UTC)", "SIZE", "COMPONENTS", "VERIFIED"], rows.reversed().map { row in
                    let entry = row.entries.first { $0.tier == tier.name }
                    return [row.id.rawValue, StatusReport.iso(row.manifest.startedAt), bytes(row.manifest.storedBytes),
                            row.manifest.components.map(\.rawValue).joined(separator: ","),
                            (entry?.verificationState.rawValue ?? "-") + (row.manifest.anomalies?.isEmpty == false ? " ANOMALY" : "")]
                })
                for row in rows.reversed() where row.manifest.anomalies?.isEmpty == false {
                    section.lines.append("BACKUP_SIZE_ANOMALY in \(row.id): " + row.manifest.anomalies!.map(\.description).joined(separator: "; "))
                }
            }
            sections.append(section)
        }

        var next = Section(title: "Next runs")
        next.table = (["SCHEDULE", "CRON", "NEXT RUNS"], report.nextRuns.map { [$0.variable, $0.cron, $0.runs.prefix(3).map(StatusReport.iso).joined(separator: ", ")] })
        sections.append(next)
        return sections
    }

    static func bytes(_ count: Int64) -> String { ByteCount.describe(count) }

    public static func text(_ report: StatusReport) -> String {
        var out = "Lifeboat backup report, \(StatusReport.iso(report.generatedAt))\n"
        for section in sections(report) {
            out += "\n== \(section.title)\n"
            for line in section.lines { out += line + "\n" }
            if let table = section.table {
                let all = [table.header] + table.rows
                let widths = table.header.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
                for row in all {
                    out += row.enumerated().map { $0.element.padding(toLength: widths[$0.offset], withPad: " ", startingAt: 0) }
                        .joined(separator: "  ").trimmingCharacters(in: .whitespaces) + "\n"
                }
            }
        }
        return out
    }

    public static func html(_ report: StatusReport) -> String {
        func escape(_ text: String) -> String {
            text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
                .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
        }
        let healthy = report.health.healthy
        var out = """
        <!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
        <meta http-equiv="refresh" content="60"><title>Lifeboat backup report</title>
        <style>body{font:14px system-ui,sans-serif;margin:2em;max-width:70em;color:#222}h1{font-size:1.4em}
        h2{font-size:1.1em;margin-top:1.6em;border-bottom:1px solid #ccc}table{border-collapse:collapse}
        td,th{padding:.2em .8em;text-align:left;border-bottom:1px solid #eee;font-variant-numeric:tabular-nums}
        .ok{color:#176d2d}.bad{color:#a01818;font-weight:bold}svg.chart{display:block;margin:.8em 0;max-width:100%;height:auto}</style></head><body>
        <h1>Lifeboat backup report</h1><p>Generated \(escape(StatusReport.iso(report.generatedAt))).
        <span class="\(healthy ? "ok" : "bad")">\(healthy ? "Healthy" : "Unhealthy")</span></p>

        """
        for (position, section) in sections(report).enumerated() {
            out += "<h2>\(escape(section.title))</h2>\n"
            for line in section.lines {
                let bad = line.hasPrefix("UNHEALTHY") || line.hasPrefix("Last failure") || line.contains("cannot be listed")
                out += "<p\(bad ? " class=\"bad\"" : "")>\(escape(line))</p>\n"
            }
            if let table = section.table {
                out += "<table><tr>" + table.header.map { "<th>\(escape($0))</th>" }.joined() + "</tr>\n"
                // A set's id links to its page (its contents, from the index).
                let linked = table.header.first == "SET"
                for row in table.rows {
                    out += "<tr>" + row.enumerated().map { column, cell in
                        linked && column == 0 ? "<td><a href=\"/sets/\(escape(cell))\">\(escape(cell))</a></td>" : "<td>\(escape(cell))</td>"
                    }.joined() + "</tr>\n"
                }
                out += "</table>\n"
            }
            // The pictures of the history follow the status.
            if position == 0 && !report.rows.isEmpty {
                out += HistoryCharts.html(SetHistory.build(report.rows, now: report.generatedAt), now: report.generatedAt)
            }
        }
        return out + "</body></html>\n"
    }
}
