import Foundation

/// What a variable's text must look like. The table of variables gives
/// each one its kind, so the parsing, the message for a wrong value and
/// the "type" column of docs/configuration.md come from one place.
public enum VariableKind: Sendable, Equatable {
    /// Free text (a name, a key, a passphrase).
    case text
    /// true/false (also yes/no, on/off, 1/0).
    case flag
    case wholeNumber(ClosedRange<Int>)
    /// `auto` (the program measures what works best) or a whole number.
    case wholeNumberOrAuto(ClosedRange<Int>)
    /// An absolute path; `rootAllowed: false` refuses `/` itself.
    case absolutePath(example: String, rootAllowed: Bool = true)
    /// Absolute paths separated by commas or newlines, each listed once.
    case absolutePaths(example: String)
    /// A URL with one of these schemes.
    case url(schemes: [String], example: String)
    /// One of these words, in any case; the value is the word as listed.
    case choice([String])
    /// A five-field cron expression; `offAllowed` also accepts `off`.
    case cron(offAllowed: Bool = false)
    /// `26h`, `90m`, `2d`, `3600s` or plain seconds.
    case duration
    /// An IANA time zone name.
    case timeZone
    /// `host:port`, `:port`, or `off`.
    case listenAddress
    /// An S3 bucket name, optionally followed by `/prefix`.
    case bucket
    /// An AWS region name such as eu-central-1.
    case region
    /// Words separated by commas (or spaces and newlines).
    case list

    /// The "type" column of docs/configuration.md.
    public var summary: String {
        switch self {
        case .text: return "text"
        case .flag: return "true/false"
        case .wholeNumber(let range): return "\(range.lowerBound)–\(range.upperBound)"
        case .wholeNumberOrAuto(let range): return "auto or \(range.lowerBound)–\(range.upperBound)"
        case .absolutePath: return "absolute path"
        case .absolutePaths: return "absolute paths, comma-separated"
        case .url(let schemes, _): return "URL (" + schemes.joined(separator: ", ") + ")"
        case .choice(let words): return words.joined(separator: " | ")
        case .cron(let offAllowed): return offAllowed ? "cron or off" : "cron"
        case .duration: return "duration (26h, 90m, 2d, 3600s)"
        case .timeZone: return "IANA time zone"
        case .listenAddress: return "host:port or off"
        case .bucket: return "bucket[/prefix]"
        case .region: return "region"
        case .list: return "list, comma-separated"
        }
    }
}
