import ByteStreams
import LifeboatConfiguration
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

/// What a backup encrypts to: age X25519 recipients, or a passphrase
/// (one scrypt stanza; the age format allows no other beside it).
struct EncryptionTarget {
    let recipients: [AgeRecipient]
    let passphrase: String?

    var isEnabled: Bool { !recipients.isEmpty || passphrase != nil }

    static let passphraseFingerprint = "passphrase (scrypt)"

    /// Reads the recipients and passphrase (no identity is needed for that).
    init(_ settings: Settings) throws {
        do {
            recipients = try settings.encryption.recipients.map(AgeRecipient.init)
        } catch {
            throw LifeboatError.usage("BACKUP_ENCRYPTION_RECIPIENTS: \(error)", hint: "give age1… public keys, comma-separated (age-keygen -y KEYFILE prints one)")
        }
        passphrase = settings.encryption.passphrase
        if passphrase != nil && !recipients.isEmpty {
            throw LifeboatError.usage("BACKUP_ENCRYPTION_PASSPHRASE and BACKUP_ENCRYPTION_RECIPIENTS are both set",
                                      hint: "the age format allows a passphrase only alone: choose one (recipients are better for unattended backups)")
        }
        if passphrase?.isEmpty == true {
            throw LifeboatError.usage("BACKUP_ENCRYPTION_PASSPHRASE is empty", hint: "unset it, or give a long passphrase")
        }
    }

    func sink(into next: any ByteSink) throws -> AgeEncryptingSink? {
        if let passphrase { return try AgeEncryptingSink(passphrase: passphrase, next: next) }
        return recipients.isEmpty ? nil : try AgeEncryptingSink(recipients: recipients, next: next)
    }

    func summary() throws -> ArtifactEncryption {
        ArtifactEncryption(format: "age-v1", recipients: passphrase != nil ? [Self.passphraseFingerprint] : try recipients.map(ArtifactEncryption.fingerprint))
    }
}

/// The keys for reading artifacts: the identities (and passphrase) to decrypt with.
struct Encryption {
    let identities: [AgeIdentity]?
    let passphrase: String?

    var canDecrypt: Bool { !(identities?.isEmpty ?? true) || passphrase != nil }

    /// Reads BACKUP_ENCRYPTION_IDENTITY_FILE, once per run.
    init(_ settings: Settings) throws {
        passphrase = settings.encryption.passphrase
        if let path = settings.encryption.identityFile {
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
        let source: any ByteSource = artifact.encryption != nil ? try decryptor(of: artifact, from: stored) : stored
        return try Decompressors.make(artifact.compression, from: source)
    }

    /// The age stream of an encrypted artifact, its header read and checked.
    func decryptor(of artifact: Manifest.Artifact, from stored: any ByteSource) throws -> AgeDecryptingSource {
        guard canDecrypt else {
            throw LifeboatError.usage("\(artifact.file) is encrypted", hint: Self.keyHint(artifact))
        }
        do {
            return try AgeDecryptingSource(identities: identities ?? [], passphrase: passphrase, upstream: stored)
        } catch let error as AgeError {
            throw LifeboatError.usage("\(artifact.file) cannot be decrypted: \(error.message)", hint: "check BACKUP_ENCRYPTION_IDENTITY_FILE or BACKUP_ENCRYPTION_PASSPHRASE; nothing was restored")
        }
    }

    static func keyHint(_ artifact: Manifest.Artifact) -> String {
        if artifact.encryption?.recipients == [EncryptionTarget.passphraseFingerprint] {
            return "set BACKUP_ENCRYPTION_PASSPHRASE (or BACKUP_ENCRYPTION_PASSPHRASE_FILE) to the passphrase it was encrypted with"
        }
        return "set BACKUP_ENCRYPTION_IDENTITY_FILE to the age identity file of one of its recipients"
    }
}
