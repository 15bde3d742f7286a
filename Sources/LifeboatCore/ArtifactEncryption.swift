import ByteStreams
import Configuration
import Foundation
import LifeboatCrypto
import StreamCompression

/// How an artifact is encrypted, as the manifest records it: the format and
/// the recipients' fingerprints (never a key).
public struct ArtifactEncryption: Codable, Sendable, Equatable {
    /// `age-v1`: the age-encryption.org/v1 format; `age -d` decrypts it.
    public var format: String
    /// First 16 hex digits of the SHA-256 of each `age1…` recipient.
    public var recipients: [String]

    static func fingerprint(_ recipient: AgeRecipient) throws -> String {
        String(try SHA256Digest.hex(of: Array(recipient.description.utf8)).prefix(16))
    }
}

/// The keys for reading artifacts: the identities to decrypt with.
struct Encryption {
    let identities: [AgeIdentity]?

    /// The recipients a backup encrypts to (no identity is needed for that).
    static func recipients(_ settings: Settings) throws -> [AgeRecipient] {
        do {
            return try settings.encryptionRecipients.map(AgeRecipient.init)
        } catch {
            throw LifeboatError.usage("BACKUP_ENCRYPTION_RECIPIENTS: \(error)", hint: "give age1… public keys, comma-separated (age-keygen -y KEYFILE prints one)")
        }
    }

    /// Reads BACKUP_ENCRYPTION_IDENTITY_FILE, once per run.
    init(_ settings: Settings) throws {
        if let path = settings.encryptionIdentityFile {
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw LifeboatError.usage("BACKUP_ENCRYPTION_IDENTITY_FILE=\(path) cannot be read", hint: "give the path of an age identity file (age-keygen writes one)")
            }
            do {
                identities = try AgeIdentity.parseFile(text)
            } catch {
                throw LifeboatError.usage("BACKUP_ENCRYPTION_IDENTITY_FILE=\(path): \(error)")
            }
        } else {
            identities = nil
        }
    }

    /// The stored bytes of an artifact, decrypted (when encrypted) and
    /// decompressed: what its reader consumes.
    func contents(of artifact: Manifest.Artifact, from stored: any ByteSource) throws -> any ByteSource {
        var source = stored
        if artifact.encryption != nil {
            guard let identities, !identities.isEmpty else {
                throw LifeboatError.usage("\(artifact.file) is encrypted", hint: "set BACKUP_ENCRYPTION_IDENTITY_FILE to the age identity file of one of its recipients")
            }
            do {
                source = try AgeDecryptingSource(identities: identities, upstream: stored)
            } catch let error as AgeError {
                throw LifeboatError.usage("\(artifact.file) cannot be decrypted: \(error.message)", hint: "check BACKUP_ENCRYPTION_IDENTITY_FILE; nothing was restored")
            }
        }
        return try Decompressors.make(artifact.compression, from: source)
    }
}
