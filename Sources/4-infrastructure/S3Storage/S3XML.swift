import Foundation

/// Just enough XML for S3's replies: the text of named elements, which in
/// S3's documents never nest inside an element of the same name.
enum S3XML {
    /// The inner text (raw, entities undecoded) of every `<name>…</name>`.
    static func elements(_ name: String, in xml: Substring) -> [Substring] {
        var result: [Substring] = []
        let open = "<\(name)>", close = "</\(name)>"
        var rest = xml[...]
        while let start = rest.range(of: open) {
            guard let end = rest[start.upperBound...].range(of: close) else { break }
            result.append(rest[start.upperBound..<end.lowerBound])
            rest = rest[end.upperBound...]
        }
        return result
    }

    static func text(_ name: String, in xml: Substring) -> String? {
        elements(name, in: xml).first.map { decode($0) }
    }

    static func decode(_ text: Substring) -> String {
        guard text.contains("&") else { return String(text) }
        var out = ""
        var rest = text[...]
        while let amp = rest.firstIndex(of: "&") {
            out += rest[..<amp]
            guard let semi = rest[amp...].firstIndex(of: ";") else { out += rest[amp...]; return out }
            let entity = rest[rest.index(after: amp)..<semi]
            switch entity {
            case "amp": out += "&"
            case "lt": out += "<"
            case "gt": out += ">"
            case "quot": out += "\""
            case "apos": out += "'"
            default:
                if entity.hasPrefix("#x"), let v = UInt32(entity.dropFirst(2), radix: 16), let s = UnicodeScalar(v) { out.unicodeScalars.append(s) }
                else if entity.hasPrefix("#"), let v = UInt32(entity.dropFirst()), let s = UnicodeScalar(v) { out.unicodeScalars.append(s) }
                else { out += rest[amp...semi] }
            }
            rest = rest[rest.index(after: semi)...]
        }
        return out + rest
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }
}
