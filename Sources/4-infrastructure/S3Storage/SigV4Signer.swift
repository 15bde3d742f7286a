import Foundation
import LifeboatCrypto

/// AWS Signature Version 4 for S3, built by us rather than by curl: curl
/// 7.88 neither canonicalises queries nor sends `x-amz-content-sha256`, and
/// a signer of our own is checked against AWS's published example.
public struct SigV4Signer: Sendable {
    public let credentials: S3Credentials
    public let region: String
    public let service: String

    public init(credentials: S3Credentials, region: String, service: String = "s3") {
        self.credentials = credentials
        self.region = region
        self.service = service
    }

    public static let emptyPayloadHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

    /// Returns every header to send (the given ones plus `x-amz-date`,
    /// `x-amz-content-sha256`, `x-amz-security-token` and `Authorization`).
    /// `path` is already URI-encoded; `query` is name → value, unencoded.
    public func sign(method: String, host: String, path: String, query: [(String, String)], headers: [String: String],
                     payloadHash: String, date: Date) throws -> [String: String] {
        let (amzDate, day) = Self.timestamps(date)
        var all = headers
        all["host"] = host
        all["x-amz-date"] = amzDate
        all["x-amz-content-sha256"] = payloadHash
        if let token = credentials.sessionToken { all["x-amz-security-token"] = token }
        let canonical = Dictionary(all.map { ($0.key.lowercased(), $0.value.trimmingCharacters(in: .whitespaces)) }, uniquingKeysWith: { a, _ in a })
        let names = canonical.keys.sorted()
        let signedHeaders = names.joined(separator: ";")
        let canonicalRequest = [
            method, path, Self.canonicalQuery(query),
            names.map { "\($0):\(canonical[$0]!)\n" }.joined(), signedHeaders, payloadHash,
        ].joined(separator: "\n")
        let scope = "\(day)/\(region)/\(service)/aws4_request"
        let stringToSign = ["AWS4-HMAC-SHA256", amzDate, scope, try SHA256Digest.hex(of: Array(canonicalRequest.utf8))].joined(separator: "\n")
        var key = try SHA256Digest.hmac(key: Array(("AWS4" + credentials.secretAccessKey).utf8), Array(day.utf8))
        for part in [region, service, "aws4_request"] { key = try SHA256Digest.hmac(key: key, Array(part.utf8)) }
        let signature = Hex.encode(try SHA256Digest.hmac(key: key, Array(stringToSign.utf8)))
        all["Authorization"] = "AWS4-HMAC-SHA256 Credential=\(credentials.accessKeyID)/\(scope), SignedHeaders=\(signedHeaders), Signature=\(signature)"
        all.removeValue(forKey: "host")  // curl sends Host from the URL
        return all
    }

    /// Names and values encoded, sorted by name then value, `name=` for empty values.
    public static func canonicalQuery(_ query: [(String, String)]) -> String {
        let encoded: [(name: String, value: String)] = query.map { (uriEncode($0.0), uriEncode($0.1)) }
        let sorted = encoded.sorted { a, b in a.name == b.name ? a.value < b.value : a.name < b.name }
        return sorted.map { "\($0.name)=\($0.value)" }.joined(separator: "&")
    }

    /// RFC 3986 encoding as SigV4 wants it: only A-Z a-z 0-9 - _ . ~ stay,
    /// and `/` too when encoding a path.
    public static func uriEncode(_ text: String, keepSlash: Bool = false) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
                out.unicodeScalars.append(UnicodeScalar(byte))
            case UInt8(ascii: "/") where keepSlash:
                out.append("/")
            default:
                out += String(format: "%%%02X", byte)
            }
        }
        return out
    }

    static func timestamps(_ date: Date) -> (String, String) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        let day = String(format: "%04d%02d%02d", c.year!, c.month!, c.day!)
        return (day + String(format: "T%02d%02d%02dZ", c.hour!, c.minute!, c.second!), day)
    }
}
