import ByteStreams
import Foundation
import LifeboatCrypto
import S3Storage
import Storage
import Testing
import TestSupport

/// The S3 tier against moto's S3 server with signature checking on.
@Suite(.serialized) struct S3TierTests {
    static func tier(_ server: TestServers.S3Server, bucket: String, prefix: String = "", endpoint: String? = nil,
                     secret: String? = nil, options: S3Options = S3Options(), name: String = "s3") throws -> S3Tier {
        let location = try S3Location(bucketAndPrefix: bucket + (prefix.isEmpty ? "" : "/" + prefix), region: "us-east-1",
                                      endpoint: endpoint ?? server.endpoint)
        return S3Tier(name: name, location: location,
                      credentials: S3Credentials(accessKeyID: server.accessKeyID, secretAccessKey: secret ?? server.secretAccessKey),
                      options: options)
    }

    static func fastRetries() -> S3Options {
        var options = S3Options()
        options.partSize = 5 << 20
        options.baseDelay = 0.05
        options.maxDelay = 0.2
        options.maxAttempts = 3
        return options
    }

    static func randomBytes(_ count: Int, seed: UInt64) -> [UInt8] {
        var generator = SplitMix64(seed: seed)
        var bytes = [UInt8](repeating: 0, count: count)
        for i in stride(from: 0, to: count, by: 8) {
            var value = generator.next()
            for j in i..<min(i + 8, count) { bytes[j] = UInt8(truncatingIfNeeded: value); value >>= 8 }
        }
        return bytes
    }

    @Test func signsAsAWSDocumentsIt() throws {
        // The GET example of AWS's "Signature Calculations for the Authorization Header" (S3 API reference).
        let signer = SigV4Signer(credentials: S3Credentials(accessKeyID: "AKIAIOSFODNN7EXAMPLE",
                                                            secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
                                 region: "us-east-1")
        let date = Date(timeIntervalSince1970: 1_369_353_600)  // 2013-05-24T00:00:00Z
        let headers = try signer.sign(method: "GET", host: "examplebucket.s3.amazonaws.com", path: "/test.txt", query: [],
                                      headers: ["range": "bytes=0-9"], payloadHash: SigV4Signer.emptyPayloadHash, date: date)
        #expect(headers["Authorization"] == "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
            + "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41")
        #expect(SigV4Signer.canonicalQuery([("uploads", ""), ("prefix", "a/b c"), ("list-type", "2")]) == "list-type=2&prefix=a%2Fb%20c&uploads=")
    }

    @Test func locationsAreParsedAndChecked() throws {
        let aws = try S3Location(bucketAndPrefix: "my-backups/prod/lifeboat/", region: "eu-central-1")
        #expect(aws.bucket == "my-backups" && aws.prefix == "prod/lifeboat/" && !aws.pathStyle)
        #expect(aws.display == "s3://my-backups/prod/lifeboat/")
        let local = try S3Location(bucketAndPrefix: "b12", region: "us-east-1", endpoint: "http://127.0.0.1:9000")
        #expect(local.pathStyle && local.prefix == "")
        #expect(throws: S3ConfigurationError.self) { _ = try S3Location(bucketAndPrefix: "Bad_Bucket", region: "us-east-1") }
        #expect(throws: S3ConfigurationError.self) { _ = try S3Location(bucketAndPrefix: "good", region: "us-east-1", endpoint: "minio:9000") }
    }

    @Test func s3TierKeepsTheContract() throws {
        guard let server = try TestServers.s3() else { return }
        let tier = try Self.tier(server, bucket: TestServers.uniqueBucket("conf"), prefix: "team/prod")
        try tier.createBucket()
        try StorageConformance.run(tier)
        // Under a prefix: nothing outside it is listed.
        let bare = try Self.tier(server, bucket: tier.location.split(separator: "/")[1].description)
        #expect(try bare.list(prefix: "").allSatisfy { $0.key.hasPrefix("team/prod/") })
    }

    @Test func multipartUploadsRoundTripAndCheckTheirChecksum() throws {
        guard let server = try TestServers.s3() else { return }
        var options = S3Options()
        options.partSize = 5 << 20
        options.parallelParts = 3
        let tier = try Self.tier(server, bucket: TestServers.uniqueBucket("multi"), options: options)
        try tier.createBucket()
        let payload = Self.randomBytes((17 << 20) + 3, seed: 7)
        let upload = try tier.beginUpload(key: "20260101T000000Z-full-0001/mongo.archive.zst")
        for start in stride(from: 0, to: payload.count, by: 1 << 20) {
            try upload.write(Array(payload[start..<min(start + (1 << 20), payload.count)]))
        }
        #expect(try tier.stat(key: "20260101T000000Z-full-0001/mongo.archive.zst") == nil)
        try upload.commit()
        #expect(try tier.stat(key: "20260101T000000Z-full-0001/mongo.archive.zst")?.size == UInt64(payload.count))
        let hashing = try HashingSource(tier.open(key: "20260101T000000Z-full-0001/mongo.archive.zst"))
        try hashing.drain()
        #expect(try hashing.finishHex() == SHA256Digest.hex(of: payload))
        #expect(try tier.incompleteUploads(prefix: "").isEmpty)
    }

    @Test func wrongCredentialsAndMissingBucketsSayWhatIsWrong() throws {
        guard let server = try TestServers.s3() else { return }
        let bucket = TestServers.uniqueBucket("creds")
        try Self.tier(server, bucket: bucket).createBucket()
        let wrongSecret = try Self.tier(server, bucket: bucket, secret: "not-the-secret", options: Self.fastRetries())
        do {
            try wrongSecret.put(key: "s/a", bytes: [1])
            Issue.record("a wrong secret was accepted")
        } catch let error as S3Error {
            #expect(error.code == "SignatureDoesNotMatch")
            #expect(error.attempts == 1, "a 403 is not retried")
            #expect(error.hint?.contains("AWS_SECRET_ACCESS_KEY") == true)
            #expect(!error.description.contains("not-the-secret"))
        }
        let missing = try Self.tier(server, bucket: TestServers.uniqueBucket("absent"), options: Self.fastRetries())
        do {
            try missing.checkAccess()
            Issue.record("a missing bucket was accepted")
        } catch let error as S3Error {
            #expect(error.code == "NoSuchBucket")
            #expect(error.description.contains("NoSuchBucket"))
        }
    }

    @Test func unreachableServersAreRetriedThenReported() throws {
        guard try TestServers.s3() != nil else { return }
        let server = TestServers.S3Server(endpoint: "http://127.0.0.1:\(RedisProcess.freePort())", accessKeyID: "a", secretAccessKey: "b")
        let tier = try Self.tier(server, bucket: "nowhere", options: Self.fastRetries())
        do {
            try tier.put(key: "s/a", bytes: [1])
            Issue.record("an unreachable server was accepted")
        } catch let error as S3Error {
            #expect(error.kind == .transport)
            #expect(error.attempts == 3)
        }
    }

    @Test func glacierObjectsAreReportedUntilThawed() throws {
        guard let server = try TestServers.s3() else { return }
        var options = S3Options()
        options.storageClass = "GLACIER"
        let tier = try Self.tier(server, bucket: TestServers.uniqueBucket("glacier"), options: options, name: "glacier")
        try tier.createBucket()
        try tier.put(key: "20260101T000000Z-full-0001/files.tar.zst", bytes: [1, 2, 3])
        try tier.put(key: "20260101T000000Z-full-0001/manifest.json", bytes: Array("{}".utf8))
        // Metadata stays readable; the artifact does not until restored.
        #expect(try tier.get(key: "20260101T000000Z-full-0001/manifest.json") == Array("{}".utf8))
        #expect(try tier.archiveState(key: "20260101T000000Z-full-0001/files.tar.zst") == .archived)
        do {
            _ = try tier.open(key: "20260101T000000Z-full-0001/files.tar.zst")
            Issue.record("an archived object was opened")
        } catch let error as S3Error {
            #expect(error.kind == .archived)
            #expect(error.hint?.contains("thaw") == true)
        }
        let state = try tier.requestRestore(key: "20260101T000000Z-full-0001/files.tar.zst", days: 2, retrieval: "Standard")
        #expect(state == .restored || state == .restoring)
        if state == .restored {
            #expect(try tier.get(key: "20260101T000000Z-full-0001/files.tar.zst") == [1, 2, 3])
        }
    }

    @Test func deleteAllAbortsUploadsAnUnreachableServerKept() throws {
        guard let server = try TestServers.s3() else { return }
        let tier = try Self.tier(server, bucket: TestServers.uniqueBucket("orphans"), options: Self.fastRetries())
        try tier.createBucket()
        // An upload that began and was never finished (the process died).
        let upload = try tier.beginUpload(key: "20260101T000000Z-full-0001/files.tar")
        try upload.write(Self.randomBytes(6 << 20, seed: 1))
        #expect(try tier.incompleteUploads(prefix: "").count == 1)
        try tier.deleteAll(prefix: "20260101T000000Z-full-0001")
        #expect(try tier.incompleteUploads(prefix: "").isEmpty)
        upload.abort()
    }

    @Test func aMultipartUploadSurvivesTheServerGoingAwayForAWhile() throws {
        guard let server = try TestServers.s3() else { return }
        let port = RedisProcess.freePort()
        let proxyScript = FileManager.default.currentDirectoryPath + "/Tests/tools/tcp_proxy.py"
        let target = server.endpoint.replacingOccurrences(of: "http://", with: "")
        func startProxy() throws -> Process {
            let proxy = try ProcessRunner.start("/usr/bin/python3", [proxyScript, String(port), target], discardOutput: true)
            ProcessRunner.waitForPort(port)
            return proxy
        }
        var proxy = try startProxy()
        defer { proxy.terminate() }
        var options = S3Options()
        options.partSize = 5 << 20
        options.maxAttempts = 8
        options.baseDelay = 0.25
        options.maxDelay = 2
        let bucket = TestServers.uniqueBucket("outage")
        let tier = try Self.tier(server, bucket: bucket, endpoint: "http://127.0.0.1:\(port)", options: options)
        try tier.createBucket()
        let payload = Self.randomBytes(40 << 20, seed: 9)
        let upload = try tier.beginUpload(key: "20260101T000000Z-full-0001/files.tar")
        var killed = false
        for start in stride(from: 0, to: payload.count, by: 1 << 20) {
            try upload.write(Array(payload[start..<min(start + (1 << 20), payload.count)]))
            if !killed && start >= 15 << 20 {
                // The outage: every connection reset, nothing listening for 1.5 s.
                kill(proxy.processIdentifier, SIGKILL)
                proxy.waitUntilExit()
                killed = true
                Thread.sleep(forTimeInterval: 1.5)
                proxy = try startProxy()
            }
        }
        try upload.commit()
        let direct = try Self.tier(server, bucket: bucket)
        let hashing = try HashingSource(direct.open(key: "20260101T000000Z-full-0001/files.tar"))
        try hashing.drain()
        #expect(try hashing.finishHex() == SHA256Digest.hex(of: payload))
        #expect(try direct.incompleteUploads(prefix: "").isEmpty)
    }
}
