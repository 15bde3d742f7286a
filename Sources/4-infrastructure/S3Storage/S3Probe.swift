import Foundation
import HTTPClient

/// What `doctor` learns of a bucket with the tier's own credentials: each
/// operation a backup, a restore and a prune need, tried on a probe object
/// under a scratch prefix (removed afterwards), the server's clock, and
/// the bucket settings that decide what retention really happens.
public struct S3ProbeReport: Sendable {
    public struct Step: Sendable {
        public let operation: String
        /// nil when it worked; the S3 error otherwise.
        public let error: S3Error?
        public var passed: Bool { error == nil }
    }
    public struct LifecycleRule: Sendable, Equatable {
        public let id: String
        public let prefix: String
        public let enabled: Bool
        public let expirationDays: Int?
        public let transitionDays: Int?
        public let transitionClass: String?
    }
    public var steps: [Step] = []
    /// Server time minus local time, from the Date header of a reply.
    public var clockOffsetSeconds: Double?
    /// "Enabled", "Suspended", or nil (never enabled / not answered).
    public var versioning: String?
    public var versioningAnswered = false
    /// Object Lock enabled on the bucket, and its default retention.
    public var objectLock: Bool?
    public var objectLockDefault: String?
    /// nil when the bucket's lifecycle could not be read.
    public var lifecycle: [LifecycleRule]?
    public var probeKey: String
    /// The tier's key prefix in its bucket.
    public var tierPrefix: String

    /// The enabled lifecycle rules that reach the tier's objects.
    public var rulesOverTier: [LifecycleRule] {
        (lifecycle ?? []).filter { $0.enabled && ($0.prefix.hasPrefix(tierPrefix) || tierPrefix.hasPrefix($0.prefix)) }
    }
}

extension S3Tier {
    /// Runs every probe; stops the object steps at the first failure (later
    /// ones depend on it) and always tries to remove what it wrote.
    public func probe(now: @Sendable () -> Date = Date.init) -> S3ProbeReport {
        // Two attempts per request: the doctor reports, it does not persevere.
        var options = client.options
        options.maxAttempts = 2
        options.operationTimeoutSeconds = min(options.operationTimeoutSeconds, 30)
        let probe = S3Client(location: client.location, credentials: client.signer.credentials, options: options)
        let scratch = "\(client.location.prefix).lifeboat-doctor/\(UUID().uuidString.lowercased())"
        var report = S3ProbeReport(probeKey: scratch, tierPrefix: client.location.prefix)
        func step(_ operation: String, _ body: () throws -> Void) -> Bool {
            do {
                try body()
                report.steps.append(.init(operation: operation, error: nil))
                return true
            } catch let error as S3Error {
                report.steps.append(.init(operation: operation, error: error))
            } catch {
                report.steps.append(.init(operation: operation, error: S3Error(.transport, "\(error)", operation: operation)))
            }
            return false
        }
        let bucket = client.location.bucket
        let listed = step("list") {
            let sent = now()
            let response = try probe.send("GET", key: nil, query: [("list-type", "2"), ("max-keys", "1"), ("prefix", client.location.prefix)],
                                          operation: "listing of s3://\(bucket)")
            if let date = S3Dates.parse(response.headers["date"]) {
                // The Date header has whole seconds: half a second of doubt.
                report.clockOffsetSeconds = date.timeIntervalSince(sent.addingTimeInterval(now().timeIntervalSince(sent) / 2))
            }
        }
        if listed {
            let body = Array("lifeboat doctor probe\n".utf8)
            var wrote = false
            if step("put", {
                try body.withUnsafeBytes { buffer in
                    _ = try probe.send("PUT", key: scratch + "/object", headers: ["content-type": "application/octet-stream"],
                                       body: try S3Client.body(buffer), operation: "probe upload to s3://\(bucket)/\(scratch)/object")
                }
                wrote = true
            }) {
                _ = step("get") {
                    let response = try probe.send("GET", key: scratch + "/object", expectedBodySize: body.count, operation: "probe download")
                    if response.body != body {
                        throw S3Error(.integrity, "the probe object came back different (\(response.body.count) bytes, \(body.count) written)", operation: "probe download")
                    }
                }
                _ = step("multipart upload") { try multipart(probe, key: scratch + "/multipart") }
            }
            if wrote || report.steps.contains(where: { $0.operation == "multipart upload" }) {
                _ = step("delete") {
                    for key in [scratch + "/object", scratch + "/multipart"] {
                        _ = try probe.send("DELETE", key: key, accept: [200, 204, 404], operation: "probe deletion of s3://\(bucket)/\(key)")
                    }
                    let left = try probe.send("HEAD", key: scratch + "/object", accept: [200, 404], operation: "check of the probe deletion")
                    if left.status == 200 {
                        throw S3Error(.server(status: 200, code: ""), "the probe object is still there after DELETE (a bucket policy or Object Lock keeps it)", operation: "probe deletion")
                    }
                }
            }
        }
        // The bucket's settings mean something only for a bucket we can list.
        guard listed else { return report }
        if let reply = try? probe.send("GET", key: nil, query: [("versioning", "")], operation: "versioning of s3://\(bucket)") {
            report.versioningAnswered = true
            report.versioning = S3XML.text("Status", in: Substring(reply.text))
        }
        if let reply = try? probe.send("GET", key: nil, query: [("object-lock", "")], accept: [200, 404], operation: "object lock of s3://\(bucket)") {
            let xml = Substring(reply.text)
            report.objectLock = reply.status == 200 && S3XML.text("ObjectLockEnabled", in: xml) == "Enabled"
            if let mode = S3XML.text("Mode", in: xml) {
                report.objectLockDefault = mode + " " + (S3XML.text("Days", in: xml).map { "\($0) days" } ?? S3XML.text("Years", in: xml).map { "\($0) years" } ?? "")
            }
        }
        if let reply = try? probe.send("GET", key: nil, query: [("lifecycle", "")], accept: [200, 404], operation: "lifecycle of s3://\(bucket)") {
            report.lifecycle = reply.status == 404 ? [] : S3XML.elements("Rule", in: Substring(reply.text)).map { rule in
                let filter = S3XML.elements("Filter", in: rule).first ?? rule
                let transition = S3XML.elements("Transition", in: rule).first
                let expiration = S3XML.elements("Expiration", in: rule).first
                return S3ProbeReport.LifecycleRule(
                    id: S3XML.text("ID", in: rule) ?? "", prefix: S3XML.text("Prefix", in: filter) ?? "",
                    enabled: S3XML.text("Status", in: rule) == "Enabled",
                    expirationDays: expiration.flatMap { S3XML.text("Days", in: $0) }.flatMap { Int($0) },
                    transitionDays: transition.flatMap { S3XML.text("Days", in: $0) }.flatMap { Int($0) },
                    transitionClass: transition.flatMap { S3XML.text("StorageClass", in: $0) })
            }
        }
        return report
    }

    /// A one-part multipart upload (the last part may be small), completed,
    /// so CreateMultipartUpload, UploadPart and CompleteMultipartUpload are
    /// all allowed; aborted if anything fails.
    private func multipart(_ probe: S3Client, key: String) throws {
        let started = try probe.send("POST", key: key, query: [("uploads", "")], operation: "probe multipart start")
        guard let id = S3XML.text("UploadId", in: Substring(started.text)) else {
            throw S3Error(.server(status: started.status, code: ""), "no UploadId in the reply", operation: "probe multipart start")
        }
        do {
            let part = Array("part\n".utf8)
            let reply = try part.withUnsafeBytes { buffer in
                try probe.send("PUT", key: key, query: [("partNumber", "1"), ("uploadId", id)], body: try S3Client.body(buffer), operation: "probe multipart part")
            }
            let etag = reply.headers["etag"] ?? ""
            let xml = Array("<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>\(S3XML.escape(etag))</ETag></Part></CompleteMultipartUpload>".utf8)
            let done = try xml.withUnsafeBytes { buffer in
                try probe.send("POST", key: key, query: [("uploadId", id)], headers: ["content-type": "application/xml"],
                               body: try S3Client.body(buffer), operation: "probe multipart completion")
            }
            if done.text.contains("<Error>") {
                throw S3Client.error(from: HTTPResponse(status: 500, headers: [:], body: done.body), operation: "probe multipart completion", attempts: 1)
            }
        } catch {
            _ = try? probe.send("DELETE", key: key, query: [("uploadId", id)], accept: [200, 204, 404], operation: "probe multipart abort")
            throw error
        }
    }
}
