import Foundation
import Scheduling

/// The resolved variables, read as the types their kinds say, collecting
/// every problem instead of stopping at the first. A value that is wrong
/// is reported once, and the variable's default (from the table, the only
/// place a default is written) is used instead so the rest can still be
/// checked.
public struct ConfigurationValues {
    private let resolved: [String: ResolvedVariable]
    public private(set) var problems: [ConfigProblem] = []

    init(resolved: [String: ResolvedVariable], problems: [ConfigProblem]) {
        self.resolved = resolved
        self.problems = problems
    }

    private func variable(_ name: String) -> ResolvedVariable {
        guard let variable = resolved[name] else { preconditionFailure("\(name) is not in VariableSpec.all") }
        return variable
    }

    /// The text as resolved, else the default (also when its NAME_FILE
    /// could not be read: that is reported already, and the rest of the
    /// configuration is still checked).
    public func text(_ name: String) -> String? { variable(name).value ?? variable(name).spec.defaultValue }
    /// The file it was read from, when given as NAME_FILE.
    public func file(_ name: String) -> String? { variable(name).origin == .file ? variable(name).file : nil }
    /// What may be shown of it (secrets and URL passwords hidden).
    public func shown(_ name: String) -> String { variable(name).displayValue }
    /// Whether the operator gave it (not its default).
    public func isGiven(_ name: String) -> Bool { ![.defaultValue, .unset].contains(variable(name).origin) }

    public mutating func problem(_ name: String, _ message: String) {
        problems.append(ConfigProblem(variable: name, value: text(name) != nil ? shown(name) : nil, message: message))
    }

    /// A problem that shows less of the value than `shown` would.
    public mutating func report(_ problem: ConfigProblem) { problems.append(problem) }

    /// Parses the value by `parse`; on failure reports `message` and
    /// falls back to the default's parse.
    private mutating func parsed<T>(_ name: String, _ parse: (String) -> T?, message: String) -> T? {
        let spec = variable(name).spec
        guard let text = text(name) else { return nil }
        if let value = parse(text) { return value }
        problem(name, message)
        return spec.defaultValue.flatMap(parse)
    }

    private func kind(_ name: String) -> VariableKind { variable(name).spec.kind }

    private func example(_ name: String) -> String {
        variable(name).spec.defaultValue.map { ", e.g. \($0)" } ?? ""
    }

    // MARK: typed reads

    public mutating func flag(_ name: String) -> Bool {
        precondition(kind(name) == .flag, "\(name) is not a flag")
        return parsed(name, Self.parseFlag, message: "must be true or false") ?? false
    }

    public mutating func number(_ name: String) -> Int? {
        guard case .wholeNumber(let range) = kind(name) else { preconditionFailure("\(name) is not a number") }
        let message = "must be a whole number from \(range.lowerBound) to \(range.upperBound)\(example(name))"
        return parsed(name, { Int($0.trimmingCharacters(in: .whitespaces)).flatMap { range.contains($0) ? $0 : nil } }, message: message)
    }

    /// nil for `auto`.
    public mutating func numberOrAuto(_ name: String) -> Int?? {
        guard case .wholeNumberOrAuto(let range) = kind(name) else { preconditionFailure("\(name) is not a number or auto") }
        let message = "must be auto or a whole number from \(range.lowerBound) to \(range.upperBound)"
        return parsed(name, { text -> Int?? in
            let trimmed = text.trimmingCharacters(in: .whitespaces)
            if trimmed.lowercased() == "auto" { return .some(nil) }
            return Int(trimmed).flatMap { range.contains($0) ? .some($0) : nil }
        }, message: message)
    }

    public mutating func path(_ name: String) -> String? {
        guard case .absolutePath(let example, let rootAllowed) = kind(name) else { preconditionFailure("\(name) is not a path") }
        return parsed(name, { text in
            let path = Self.normalized(text)
            return path.hasPrefix("/") && (rootAllowed || path != "/") ? path : nil
        }, message: rootAllowed ? "must be an absolute path, e.g. \(example)" : "must be an absolute path (not /), e.g. \(example)")
    }

    public mutating func paths(_ name: String) -> [String] {
        guard case .absolutePaths(let example) = kind(name) else { preconditionFailure("\(name) is not a path list") }
        guard let text = text(name) else { return [] }
        var paths: [String] = []
        for item in text.split(whereSeparator: { $0 == "," || $0 == "\n" }) {
            let path = item.trimmingCharacters(in: .whitespaces)
            if path.isEmpty { continue }
            if path.hasPrefix("/") { paths.append(Self.normalized(path)) } else {
                problem(name, "'\(path)' is not an absolute path; list absolute paths separated by commas, e.g. \(example)")
            }
        }
        let duplicates = Dictionary(grouping: paths, by: { $0 }).filter { $0.value.count > 1 }.keys.sorted()
        if !duplicates.isEmpty { problem(name, "lists \(duplicates.joined(separator: ", ")) more than once") }
        return paths
    }

    public mutating func url(_ name: String) -> String? {
        guard case .url(let schemes, let example) = kind(name) else { preconditionFailure("\(name) is not a URL") }
        let expected = schemes.count == 1 ? schemes[0] : schemes.dropLast().joined(separator: ", ") + " or " + schemes.last!
        return parsed(name, { text in
            guard schemes.contains(where: { text.hasPrefix($0) }) else { return nil }
            // Past the scheme there must be somewhere to go.
            return text.count > (schemes.first { text.hasPrefix($0) }!.count) ? text : nil
        }, message: "must start with \(expected), e.g. \(example)")
    }

    /// The word as the table lists it.
    public mutating func choice(_ name: String) -> String? {
        guard case .choice(let words) = kind(name) else { preconditionFailure("\(name) is not a choice") }
        let expected = words.count == 2 ? "\(words[0]) or \(words[1])" : "one of " + words.joined(separator: ", ")
        return parsed(name, { text in words.first { $0.lowercased() == text.lowercased() } }, message: "must be \(expected)")
    }

    public mutating func choice<T: RawRepresentable>(_ name: String, as type: T.Type) -> T? where T.RawValue == String {
        choice(name).flatMap(T.init(rawValue:))
    }

    /// nil when unset (or `off`, where the kind allows it).
    public mutating func cron(_ name: String) -> CronExpression? {
        guard case .cron(let offAllowed) = kind(name) else { preconditionFailure("\(name) is not a cron expression") }
        guard let text = text(name) else { return nil }
        if offAllowed && text.lowercased() == "off" { return nil }
        do { return try CronExpression(text) } catch let error as CronExpression.ParseError {
            problem(name, error.problem + (offAllowed ? ", or off" : ""))
        } catch {
            problem(name, "\(error)")
        }
        return variable(name).spec.defaultValue.flatMap { try? CronExpression($0) }
    }

    public mutating func duration(_ name: String) -> TimeInterval? {
        precondition(kind(name) == .duration, "\(name) is not a duration")
        return parsed(name, Self.parseDuration, message: "must be a duration such as 26h, 90m, 2d or 3600s")
    }

    /// The zone and the name as given (Foundation calls UTC "GMT").
    public mutating func timeZone(_ name: String) -> (zone: TimeZone, name: String)? {
        precondition(kind(name) == .timeZone, "\(name) is not a time zone")
        return parsed(name, { text in
            // TZ may carry a leading ':' (POSIX) meaning "a zoneinfo file".
            let name = text.hasPrefix(":") ? String(text.dropFirst()) : text
            return TimeZone(identifier: name).map { ($0, name) }
        }, message: "unknown time zone; use an IANA name such as UTC or Europe/Berlin")
    }

    /// (host, port), or nil for `off`.
    public mutating func listenAddress(_ name: String) -> (host: String, port: Int)? {
        precondition(kind(name) == .listenAddress, "\(name) is not an address")
        guard let text = text(name), text.lowercased() != "off" else { return nil }
        return parsed(name, { text in
            guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (1...65_535).contains(port) else { return nil }
            let host = String(text[..<colon])
            return (host.isEmpty ? "0.0.0.0" : host, port)
        }, message: "must be host:port, e.g. 0.0.0.0:8080 or :8080, or off")
    }

    public mutating func bucket(_ name: String) -> String? {
        precondition(kind(name) == .bucket, "\(name) is not a bucket")
        guard let text = text(name) else { return nil }
        if let problem = Self.bucketProblem(text) { self.problem(name, problem) }
        return text
    }

    public mutating func region(_ name: String) -> String? {
        precondition(kind(name) == .region, "\(name) is not a region")
        return parsed(name, { $0.isEmpty || !$0.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" }) ? nil : $0 },
                      message: "is not a region name, e.g. eu-central-1")
    }

    public func list(_ name: String) -> [String]? {
        precondition(kind(name) == .list, "\(name) is not a list")
        return text(name).map { $0.split(whereSeparator: { $0 == "," || $0 == " " || $0 == "\n" }).map(String.init) }
    }

    // MARK: parsers

    static func parseFlag(_ text: String) -> Bool? {
        switch text.lowercased() {
        case "1", "true", "yes", "on": return true
        case "0", "false", "no", "off": return false
        default: return nil
        }
    }

    /// `26h`, `90m`, `2d`, `3600s` or plain seconds.
    public static func parseDuration(_ text: String) -> TimeInterval? {
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        let units: [Character: Double] = ["s": 1, "m": 60, "h": 3600, "d": 86_400]
        if let unit = trimmed.last, let factor = units[unit], let number = Double(trimmed.dropLast()), number > 0 { return number * factor }
        if let number = Double(trimmed), number > 0 { return number }
        return nil
    }

    /// Drops trailing slashes so `/data/uploads/` and `/data/uploads` are one path.
    static func normalized(_ path: String) -> String {
        var p = path
        while p.count > 1 && p.hasSuffix("/") { p.removeLast() }
        return p
    }

    static func bucketProblem(_ text: String) -> String? {
        let trimmed = text.hasPrefix("s3://") ? String(text.dropFirst(5)) : text
        let bucket = String(trimmed.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)[0])
        let valid = (3...63).contains(bucket.count)
            && bucket.allSatisfy { $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "." || $0 == "-") }
            && bucket.first.map { $0.isLetter || $0.isNumber } == true && bucket.last.map { $0.isLetter || $0.isNumber } == true
        return valid ? nil : "'\(bucket)' is not a valid bucket name: 3-63 lowercase letters, digits, '.' or '-', e.g. my-backups or my-backups/prod"
    }
}
