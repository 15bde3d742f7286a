import ErrorCategories
import Foundation

/// Where a tier's objects live: bucket, key prefix, region and endpoint.
public struct S3Location: Sendable, Equatable {
    public var bucket: String
    /// Empty, or ending in `/`.
    public var prefix: String
    public var region: String
    /// `https://s3.REGION.amazonaws.com` unless AWS_ENDPOINT_URL names another server.
    public var endpoint: URLComponents
    /// `https://host/bucket/key` instead of `https://bucket.host/key`.
    public var pathStyle: Bool

    /// `bucket` may carry a prefix: `my-backups/lifeboat/prod`.
    public init(bucketAndPrefix: String, region: String, endpoint: String? = nil, pathStyle: Bool = false) throws {
        let trimmed = bucketAndPrefix.hasPrefix("s3://") ? String(bucketAndPrefix.dropFirst(5)) : bucketAndPrefix
        let parts = trimmed.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        bucket = String(parts[0])
        let rest = parts.count > 1 ? parts[1].trimmingCharacters(in: CharacterSet(charactersIn: "/")) : ""
        prefix = rest.isEmpty ? "" : rest + "/"
        self.region = region
        guard Self.isValidBucketName(bucket) else {
            throw S3ConfigurationError("'\(bucket)' is not a valid bucket name (3-63 characters: lowercase letters, digits, '.', '-')")
        }
        let endpointText = endpoint ?? "https://s3.\(region).amazonaws.com"
        guard let components = URLComponents(string: endpointText), let scheme = components.scheme,
              scheme == "http" || scheme == "https", let host = components.host, !host.isEmpty else {
            throw S3ConfigurationError("'\(endpointText)' is not an http(s) URL, e.g. https://s3.eu-central-1.amazonaws.com or http://minio:9000")
        }
        self.endpoint = components
        // Buckets cannot be host names below an IP address or a single-label host.
        let bareHost = host.allSatisfy { $0.isNumber || $0 == "." || $0 == ":" } || !host.contains(".")
        self.pathStyle = pathStyle || bareHost || bucket.contains(".")
    }

    static func isValidBucketName(_ name: String) -> Bool {
        guard (3...63).contains(name.count), let first = name.first, let last = name.last else { return false }
        return name.allSatisfy { $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "." || $0 == "-") }
            && (first.isLetter || first.isNumber) && (last.isLetter || last.isNumber)
    }

    var host: String {
        let base = endpoint.host!
        let port = endpoint.port.map { ":\($0)" } ?? ""
        return (pathStyle ? base : "\(bucket).\(base)") + port
    }

    /// The URI-encoded path of an object (or of the bucket, for `nil`).
    func path(objectKey: String?) -> String {
        let key = objectKey.map { SigV4Signer.uriEncode($0, keepSlash: true) } ?? ""
        return pathStyle ? "/\(bucket)/\(key)" : "/\(key)"
    }

    func url(path: String, query: String) -> String {
        "\(endpoint.scheme!)://\(host)\(path)\(query.isEmpty ? "" : "?" + query)"
    }

    /// The server and bucket, for remembering one that did not answer.
    var endpointKey: String { "\(endpoint.scheme!)://\(host)/\(bucket)" }

    /// `s3://bucket/prefix`, for messages.
    public var display: String { "s3://\(bucket)/\(prefix)" }
}

public struct S3ConfigurationError: Error, CustomStringConvertible, Sendable {
    public let description: String
    init(_ description: String) { self.description = description }
}

extension S3ConfigurationError: CategorizedError {
    public var category: ErrorCategory { .usage }
}
