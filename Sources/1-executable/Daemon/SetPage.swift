import ByteStreams
import Foundation
import LifeboatCore

/// `/sets/<id>` of the service: what one set holds, from its index and
/// manifest (the same as `lifeboat ls`), as a small page.
enum SetPage {
    static func html(_ contents: SetContents, manifest: Manifest?) -> String {
        let e = HistoryCharts.escape
        var out = """
        <!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
        <title>Lifeboat set \(e(contents.id.rawValue))</title>
        <style>body{font:14px system-ui,sans-serif;margin:2em;max-width:70em;color:#222}h1{font-size:1.3em}
        h2{font-size:1.1em;margin-top:1.6em;border-bottom:1px solid #ccc}table{border-collapse:collapse}
        td,th{padding:.2em .8em;text-align:left;border-bottom:1px solid #eee;font-variant-numeric:tabular-nums}
        td.n{text-align:right}</style></head><body>
        <p><a href="/">← report</a></p><h1>Set \(e(contents.id.rawValue))</h1>

        """
        if let manifest {
            out += "<p>\(e(manifest.kind.rawValue)) set, started \(e(StatusReport.iso(manifest.startedAt))), \(e(ByteCount.describe(manifest.storedBytes))) stored"
                + (manifest.parent.map { ", parent <a href=\"/sets/\(e($0.rawValue))\">\(e($0.rawValue))</a>" } ?? "") + "; read from \(e(contents.tier)).</p>\n"
        }
        if !contents.entries.isEmpty {
            let files = contents.entries.filter { $0.type == "file" || $0.type == "hardlink" }
            out += "<h2>Files and config (\(files.count) files, \(e(ByteCount.describe(files.reduce(0) { $0 + $1.size }))))</h2>\n"
            out += "<table><tr><th>MODE</th><th>SIZE</th><th>MODIFIED (UTC)</th><th>PATH</th></tr>\n"
            for entry in contents.entries.prefix(5000) {
                let link = entry.link.map { entry.type == "hardlink" ? " (hard link to \($0))" : " → \($0)" } ?? ""
                out += "<tr><td>\(e(entry.mode))</td><td class=\"n\">\(entry.type == "folder" ? "" : e(ByteCount.describe(entry.size)))</td>"
                    + "<td>\(e(StatusReport.iso(entry.modified)))</td><td>\(e(entry.path + (entry.type == "folder" ? "/" : "") + link))</td></tr>\n"
            }
            out += "</table>\n"
            if contents.entries.count > 5000 { out += "<p>… and \(contents.entries.count - 5000) more (`lifeboat ls \(e(contents.id.rawValue))` lists them all)</p>\n" }
        }
        if !contents.namespaces.isEmpty {
            out += "<h2>MongoDB</h2>\n<table><tr><th>NAMESPACE</th><th>TYPE</th><th>DOCUMENTS</th><th>SIZE</th><th>INDEXES</th><th>OPTIONS</th></tr>\n"
            for ns in contents.namespaces {
                out += "<tr><td>\(e(ns.namespace))</td><td>\(e(ns.type))</td><td class=\"n\">\(ns.documents)</td><td class=\"n\">\(e(ByteCount.describe(ns.bytes)))</td><td class=\"n\">\(ns.indexes)</td><td>\(e(ns.options ?? ""))</td></tr>\n"
            }
            out += "</table>\n"
        }
        if !contents.redis.isEmpty {
            out += "<h2>Redis</h2>\n<table><tr><th>DATABASE</th><th>KEYS</th></tr>\n"
            for db in contents.redis { out += "<tr><td>db\(e(db.database))</td><td class=\"n\">\(db.keys)</td></tr>\n" }
            out += "</table>\n"
        }
        for other in contents.others { out += "<h2>\(e(other.component))</h2><p>\(e(other.summary))</p>\n" }
        return out + "</body></html>\n"
    }
}
