import ByteStreams
import Foundation
import LifeboatCore

/// The report page's pictures of the history: inline SVG drawn here (no
/// script, no external asset, so the page works offline and in any
/// browser): stored size per component, backup duration, document and
/// file counts, and MongoDB's restorable window, each over the last 90 days.
enum HistoryCharts {
    static let days = 90
    static let width = 760.0, height = 200.0
    static let left = 70.0, right = 16.0, top = 28.0, bottom = 28.0
    static let colors = ["mongo": "#2f7d32", "redis": "#c62828", "files": "#1565c0", "config": "#6a1b9a", "code": "#ef6c00"]

    struct Series {
        var name: String
        var color: String
        var points: [(time: Date, value: Double, note: String)]
        /// Points drawn hollow and left out of the line (artifacts that hold only changes).
        var hollow: Set<Int> = []
    }

    static func html(_ history: SetHistory, now: Date) -> String {
        let from = now.addingTimeInterval(-Double(days) * 86_400)
        let recent = { (time: Date) in time >= from }
        var out = "<h2>History (last \(days) days)</h2>\n"
        let sizes = history.components.map { c in
            let points = c.points.filter { recent($0.time) }
            return Series(name: c.component, color: colors[c.component] ?? "#555",
                          points: points.map { ($0.time, Double($0.storedBytes), "\($0.id): \(ByteCount.describe($0.storedBytes))\($0.partial ? " (changes only)" : "")") },
                          hollow: Set(points.indices.filter { points[$0].partial }))
        }
        out += lineChart("Stored size per component (hollow: sets holding only changes)", series: sizes, from: from, to: now, format: { ByteCount.describe(Int64($0)) })
        let durations = [Series(name: "backup", color: "#37474f", points: history.sets.filter { recent($0.time) }.map {
            ($0.time, $0.seconds, "\($0.id): \(String(format: "%.1f", $0.seconds)) s")
        })]
        let longest = history.sets.filter { recent($0.time) }.map(\.seconds).max() ?? 0
        out += lineChart("Backup duration", series: durations, from: from, to: now,
                         format: { longest < 4 ? String(format: "%.2f s", $0) : longest < 40 ? String(format: "%.1f s", $0) : String(format: "%.0f s", $0) }, bars: true)
        for (unit, title) in [("documents", "MongoDB documents"), ("files", "Files")] {
            let counted = history.components.filter { $0.countUnit == unit }.map { c in
                Series(name: c.component, color: colors[c.component] ?? "#555",
                       points: c.points.filter { recent($0.time) && $0.count != nil }.map { ($0.time, Double($0.count!), "\($0.id): \($0.count!) \(unit)") })
            }.filter { !$0.points.isEmpty }
            if !counted.isEmpty { out += lineChart(title, series: counted, from: from, to: now, format: { String(Int($0)) }) }
        }
        if !history.mongoWindows.isEmpty {
            out += timeline(history, from: from, to: now)
        }
        return out
    }

    static func x(_ time: Date, _ from: Date, _ to: Date) -> Double {
        let span = max(to.timeIntervalSince(from), 1)
        return left + (width - left - right) * min(max(time.timeIntervalSince(from) / span, 0), 1)
    }

    /// Day ticks every two weeks, labelled like `Nov 3`.
    static func timeAxis(_ from: Date, _ to: Date, baseline: Double) -> String {
        var out = "<line x1=\"\(left)\" y1=\"\(baseline)\" x2=\"\(width - right)\" y2=\"\(baseline)\" stroke=\"#999\"/>"
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let formatter = DateFormatter()
        formatter.timeZone = calendar.timeZone
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = "MMM d"
        var tick = calendar.startOfDay(for: to)
        while tick >= from {
            let at = x(tick, from, to)
            out += "<line x1=\"\(fmt(at))\" y1=\"\(baseline)\" x2=\"\(fmt(at))\" y2=\"\(baseline + 4)\" stroke=\"#999\"/>"
            out += "<text x=\"\(fmt(at))\" y=\"\(baseline + 16)\" text-anchor=\"middle\">\(formatter.string(from: tick))</text>"
            tick = tick.addingTimeInterval(-14 * 86_400)
        }
        return out
    }

    static func lineChart(_ title: String, series: [Series], from: Date, to: Date, format: (Double) -> String, bars: Bool = false) -> String {
        let all = series.flatMap { $0.points.map(\.value) }
        let maxValue = niceCeiling(all.max() ?? 1)
        let plotBottom = height - bottom
        func y(_ value: Double) -> Double { plotBottom - (plotBottom - top) * (maxValue > 0 ? value / maxValue : 0) }
        var svg = "<svg class=\"chart\" role=\"img\" aria-label=\"\(escape(title))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" width=\"\(Int(width))\" height=\"\(Int(height))\" font-size=\"11\" font-family=\"system-ui,sans-serif\">"
        svg += "<text x=\"\(left)\" y=\"16\" font-weight=\"bold\" font-size=\"13\">\(escape(title))</text>"
        for step in 0...4 {
            let value = maxValue * Double(step) / 4
            svg += "<line x1=\"\(left)\" y1=\"\(fmt(y(value)))\" x2=\"\(width - right)\" y2=\"\(fmt(y(value)))\" stroke=\"#eee\"/>"
            svg += "<text x=\"\(left - 6)\" y=\"\(fmt(y(value) + 4))\" text-anchor=\"end\">\(escape(format(value)))</text>"
        }
        svg += timeAxis(from, to, baseline: plotBottom)
        if all.isEmpty {
            svg += "<text x=\"\(fmt((left + width) / 2))\" y=\"\(fmt(height / 2))\" text-anchor=\"middle\" fill=\"#777\">no sets in the last \(days) days</text>"
        }
        var legendX = width - right
        for item in series.reversed() {
            legendX -= Double(item.name.count) * 7 + 22
            svg += "<rect x=\"\(fmt(legendX))\" y=\"7\" width=\"10\" height=\"10\" fill=\"\(item.color)\"/><text x=\"\(fmt(legendX + 14))\" y=\"16\">\(escape(item.name))</text>"
        }
        for item in series {
            let points = item.points.enumerated().sorted { $0.element.time < $1.element.time }.map { (hollow: item.hollow.contains($0.offset), point: $0.element) }
            if bars {
                for (_, point) in points {
                    let px = x(point.time, from, to)
                    svg += "<rect x=\"\(fmt(px - 1.5))\" y=\"\(fmt(y(point.value)))\" width=\"3\" height=\"\(fmt(max(plotBottom - y(point.value), 0.5)))\" fill=\"\(item.color)\"><title>\(escape(point.note))</title></rect>"
                }
                continue
            }
            let whole = points.filter { !$0.hollow }.map(\.point)
            if whole.count > 1 {
                svg += "<polyline fill=\"none\" stroke=\"\(item.color)\" stroke-width=\"1.5\" points=\"" + whole.map { "\(fmt(x($0.time, from, to))),\(fmt(y($0.value)))" }.joined(separator: " ") + "\"/>"
            }
            for (hollow, point) in points {
                let paint = hollow ? "fill=\"#fff\" stroke=\"\(item.color)\"" : "fill=\"\(item.color)\""
                svg += "<circle cx=\"\(fmt(x(point.time, from, to)))\" cy=\"\(fmt(y(point.value)))\" r=\"2.2\" \(paint)><title>\(escape(point.note))</title></circle>"
            }
        }
        return svg + "</svg>\n"
    }

    /// MongoDB's restorable window: green spans (a full set's point and the
    /// incrementals extending it), red gaps, a tick per full set.
    static func timeline(_ history: SetHistory, from: Date, to: Date) -> String {
        let h = 90.0
        var svg = "<svg class=\"chart\" role=\"img\" aria-label=\"MongoDB restorable window\" viewBox=\"0 0 \(Int(width)) \(Int(h))\" width=\"\(Int(width))\" height=\"\(Int(h))\" font-size=\"11\" font-family=\"system-ui,sans-serif\">"
        svg += "<text x=\"\(left)\" y=\"16\" font-weight=\"bold\" font-size=\"13\">MongoDB restorable window (fulls, incrementals and slices; gaps in red)</text>"
        let barTop = 30.0, barHeight = 20.0
        svg += "<rect x=\"\(left)\" y=\"\(barTop)\" width=\"\(fmt(width - left - right))\" height=\"\(barHeight)\" fill=\"#f3f3f3\"/>"
        for window in history.mongoWindows where window.end >= from {
            let x0 = x(window.start, from, to), x1 = x(window.end, from, to)
            svg += "<rect x=\"\(fmt(x0))\" y=\"\(barTop)\" width=\"\(fmt(max(x1 - x0, 2)))\" height=\"\(barHeight)\" fill=\"#43a047\"><title>\(escape("\(window.base): \(StatusReport.iso(window.start)) to \(StatusReport.iso(window.end)), \(window.sets) set(s)"))</title></rect>"
            svg += "<line x1=\"\(fmt(x0))\" y1=\"\(barTop - 4)\" x2=\"\(fmt(x0))\" y2=\"\(barTop + barHeight + 4)\" stroke=\"#1b5e20\"/>"
        }
        for gap in history.mongoGaps where gap.end >= from && gap.end.timeIntervalSince(gap.start) > 0 {
            let x0 = x(gap.start, from, to), x1 = x(gap.end, from, to)
            svg += "<rect x=\"\(fmt(x0))\" y=\"\(barTop + barHeight / 2 - 3)\" width=\"\(fmt(max(x1 - x0, 1)))\" height=\"6\" fill=\"#e53935\"><title>\(escape("no restorable moment from \(StatusReport.iso(gap.start)) to \(StatusReport.iso(gap.end))"))</title></rect>"
        }
        svg += timeAxis(from, to, baseline: barTop + barHeight + 8)
        return svg + "</svg>\n"
    }

    /// 1, 2 or 5 times a power of ten, at or above `value`.
    static func niceCeiling(_ value: Double) -> Double {
        guard value > 0 else { return 1 }
        let power = pow(10, floor(log10(value)))
        for step in [1.0, 2, 5, 10] where step * power >= value { return step * power }
        return 10 * power
    }

    static func fmt(_ value: Double) -> String { String(format: "%.1f", value) }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
