import Foundation
import LifeboatConfiguration
import LifeboatCrypto

/// Encryption and secrets: the recipients parse, the identity that
/// decrypts is not kept beside the backups it opens, it matches a
/// recipient, and every `_FILE` secret could be read.
enum EncryptionCheck {
    static func findings(_ context: DoctorContext) -> [DoctorFinding] {
        let settings = context.settings
        var findings: [DoctorFinding] = []
        let recipients: [AgeRecipient]
        do {
            recipients = try settings.encryption.recipients.map(AgeRecipient.init)
        } catch {
            return [DoctorFinding("encryption", "recipients", .fail, "BACKUP_ENCRYPTION_RECIPIENTS: \(error)", fix: "give age1… public keys (age-keygen -y IDENTITY_FILE prints one)")]
        }
        if recipients.isEmpty && settings.encryption.passphrase == nil {
            findings.append(DoctorFinding("encryption", "recipients", .warn, "backups are not encrypted: whoever reads the bucket or BACKUP_DIR reads the data",
                                          fix: "set BACKUP_ENCRYPTION_RECIPIENTS to an age public key (age-keygen -o key.txt; keep key.txt offline)"))
        } else {
            findings.append(DoctorFinding("encryption", "recipients", .ok, recipients.isEmpty ? "encrypted with a passphrase (age scrypt)" : "encrypted to \(recipients.count) age recipient(s)"))
        }
        if let path = settings.encryption.identityFile {
            let resolved = (path as NSString).resolvingSymlinksInPath
            let backups = (settings.backupDirectory as NSString).resolvingSymlinksInPath
            if resolved.hasPrefix(backups + "/") {
                findings.append(DoctorFinding("encryption", "identity", .warn, "BACKUP_ENCRYPTION_IDENTITY_FILE \(path) is inside BACKUP_DIR: whoever takes the backups takes the key that opens them",
                                              fix: "keep the identity elsewhere (a secret mounted only for restores, or offline)"))
            }
            if let text = try? String(contentsOfFile: path, encoding: .utf8), let identities = try? AgeIdentity.parseFile(text) {
                let matches = recipients.isEmpty || identities.contains { identity in recipients.contains(identity.recipient) }
                findings.append(DoctorFinding("encryption", "identity", matches ? .ok : .warn,
                                              "BACKUP_ENCRYPTION_IDENTITY_FILE holds \(identities.count) identity(ies)" + (matches ? "" : ", none of them for a configured recipient"),
                                              fix: "restores of new sets need the identity of one of BACKUP_ENCRYPTION_RECIPIENTS"))
            } else {
                findings.append(DoctorFinding("encryption", "identity", .fail, "BACKUP_ENCRYPTION_IDENTITY_FILE=\(path) cannot be read as an age identity file",
                                              fix: "give the path of the file age-keygen wrote (AGE-SECRET-KEY-1… lines)"))
            }
        } else if !recipients.isEmpty {
            findings.append(DoctorFinding("encryption", "identity", .ok, "no identity here (backups need only the recipients); restores need BACKUP_ENCRYPTION_IDENTITY_FILE"))
        }
        // Reading the configuration read every _FILE secret (or failed naming it).
        let known = Set(VariableSpec.all.map(\.name))
        let files = context.environment.keys.filter { $0.hasSuffix("_FILE") && known.contains(String($0.dropLast(5))) }.sorted()
        if !files.isEmpty {
            findings.append(DoctorFinding("secrets", "_FILE", .ok, "read: " + files.joined(separator: ", ")))
        }
        return findings
    }
}
