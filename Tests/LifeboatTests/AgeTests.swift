import ByteStreams
import Foundation
import LifeboatCrypto
import Testing
import TestSupport

/// age v1 interoperability with Debian's `age`, both ways.
@Suite struct AgeTests {
    static var ageAvailable: Bool { FileManager.default.isExecutableFile(atPath: "/usr/bin/age") }

    func encrypt(_ plaintext: [UInt8], to recipients: [AgeRecipient], path: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        defer { close(fd) }
        let sink = try AgeEncryptingSink(recipients: recipients, next: FileDescriptorSink(fd: fd, path: path))
        var offset = 0
        var step = 7
        while offset < plaintext.count {
            let n = min(step, plaintext.count - offset)
            try plaintext[offset..<(offset + n)].withUnsafeBytes { try sink.write($0) }
            offset += n
            step = step * 5 % 200_003 + 1
        }
        try sink.finish()
    }

    func decrypt(_ path: String, with identities: [AgeIdentity]) throws -> [UInt8] {
        let source = try AgeDecryptingSource(identities: identities, upstream: FileDescriptorSource(path: path))
        var out: [UInt8] = []
        try source.drain(chunkSize: 10_000) { out.append(contentsOf: $0) }
        return out
    }

    static let sizes = [0, 1, 65_535, 65_536, 65_537, 3 << 20]

    @Test(arguments: sizes)
    func stockAgeDecryptsOurs(size: Int) throws {
        guard try Skips.require(Self.ageAvailable, "age (apt install age)") else { return }
        let dir = TemporaryDirectory()
        #expect(try ProcessRunner.shell("age-keygen -o '\(dir.sub("key"))' 2>/dev/null").status == 0)
        let identity = try AgeIdentity.parseFile(String(contentsOfFile: dir.sub("key"), encoding: .utf8))[0]
        let other = try AgeIdentity.generate()
        var generator = SplitMix64(seed: UInt64(size))
        let plaintext = (0..<size).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
        try encrypt(plaintext, to: [other.recipient, identity.recipient], path: dir.sub("x.age"))
        let result = try ProcessRunner.shell("age -d -i '\(dir.sub("key"))' '\(dir.sub("x.age"))' > '\(dir.sub("x"))'")
        #expect(result.status == 0, "\(result.output)")
        #expect(FileManager.default.contents(atPath: dir.sub("x")) == Data(plaintext))
    }

    @Test(arguments: sizes)
    func weDecryptStockAge(size: Int) throws {
        guard try Skips.require(Self.ageAvailable, "age (apt install age)") else { return }
        let dir = TemporaryDirectory()
        let identity = try AgeIdentity.generate()
        var generator = SplitMix64(seed: UInt64(size) + 99)
        let plaintext = (0..<size).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
        try Data(plaintext).write(to: URL(fileURLWithPath: dir.sub("x")))
        let result = try ProcessRunner.shell("age -r \(identity.recipient) -o '\(dir.sub("x.age"))' '\(dir.sub("x"))'")
        #expect(result.status == 0, "\(result.output)")
        #expect(try decrypt(dir.sub("x.age"), with: [identity]) == plaintext)
    }

    @Test func wrongKeysTamperingAndTruncationAreRefused() throws {
        let dir = TemporaryDirectory()
        let identity = try AgeIdentity.generate()
        let plaintext = [UInt8](repeating: 7, count: 200_000)
        try encrypt(plaintext, to: [identity.recipient], path: dir.sub("x.age"))
        #expect(try decrypt(dir.sub("x.age"), with: [identity]) == plaintext)
        #expect(throws: AgeError.self) { _ = try decrypt(dir.sub("x.age"), with: [try AgeIdentity.generate()]) }
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: dir.sub("x.age"))))
        bytes[bytes.count - 100] ^= 1
        try Data(bytes).write(to: URL(fileURLWithPath: dir.sub("tampered.age")))
        #expect(throws: AgeError.self) { _ = try decrypt(dir.sub("tampered.age"), with: [identity]) }
        let original = try [UInt8](Data(contentsOf: URL(fileURLWithPath: dir.sub("x.age"))))
        try Data(original.prefix(original.count - 70_000)).write(to: URL(fileURLWithPath: dir.sub("short.age")))
        #expect(throws: AgeError.self) { _ = try decrypt(dir.sub("short.age"), with: [identity]) }
        #expect(throws: AgeError.self) { _ = try AgeRecipient("age1notarecipient") }
        #expect(try AgeRecipient(identity.recipient.description) == identity.recipient)
    }

    @Test func passphrasesInteroperateWithStockAgeBothWays() throws {
        guard try Skips.require(Self.ageAvailable, "age (apt install age)") else { return }
        let dir = TemporaryDirectory()
        let helper = FileManager.default.currentDirectoryPath + "/Tests/tools/age_passphrase.py"
        let passphrase = "correct horse battery staple"
        let plaintext = (0..<200_000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 9) }

        // Ours → age -d.
        let fd = open(dir.sub("ours.age"), O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        let sink = try AgeEncryptingSink(passphrase: passphrase, next: FileDescriptorSink(fd: fd, path: dir.sub("ours.age")))
        try plaintext.withUnsafeBytes { try sink.write($0) }
        try sink.finish()
        close(fd)
        let header = try String(decoding: Data(contentsOf: URL(fileURLWithPath: dir.sub("ours.age"))).prefix(80), as: UTF8.self)
        #expect(header.contains("-> scrypt ") && header.contains(" 18\n"))
        let decrypted = try ProcessRunner.shell("python3 '\(helper)' decrypt '\(passphrase)' '\(dir.sub("ours.age"))' '\(dir.sub("ours.out"))'")
        #expect(decrypted.status == 0, "\(decrypted.output)")
        #expect(FileManager.default.contents(atPath: dir.sub("ours.out")) == Data(plaintext))

        // age -p → ours.
        FileManager.default.createFile(atPath: dir.sub("plain"), contents: Data(plaintext))
        let encrypted = try ProcessRunner.shell("python3 '\(helper)' encrypt '\(passphrase)' '\(dir.sub("plain"))' '\(dir.sub("theirs.age"))'")
        #expect(encrypted.status == 0, "\(encrypted.output)")
        let source = try AgeDecryptingSource(identities: [], passphrase: passphrase, upstream: FileDescriptorSource(path: dir.sub("theirs.age")))
        var out: [UInt8] = []
        try source.drain { out.append(contentsOf: $0) }
        #expect(out == plaintext)

        // A wrong passphrase, no passphrase, an X25519 identity: clear refusals.
        #expect(throws: AgeError.self) { _ = try AgeDecryptingSource(identities: [], passphrase: "wrong", upstream: FileDescriptorSource(path: dir.sub("theirs.age"))) }
        do {
            _ = try AgeDecryptingSource(identities: [try AgeIdentity.generate()], upstream: FileDescriptorSource(path: dir.sub("theirs.age")))
            Issue.record("a passphrase file opened without the passphrase")
        } catch let error as AgeError {
            #expect(error.message.contains("BACKUP_ENCRYPTION_PASSPHRASE"))
        }
    }
}
