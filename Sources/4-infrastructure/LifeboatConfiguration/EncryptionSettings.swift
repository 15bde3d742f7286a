/// age encryption of every artifact: to whom, and the identity that reads them back.
public struct EncryptionSettings: Sendable {
    /// age X25519 recipients (`age1…`) as given; the crypto layer parses them.
    public var recipients: [String]
    /// An age passphrase (scrypt recipient) instead of, or besides, recipients.
    public var passphrase: String?
    /// An age identity file, to verify and restore encrypted sets.
    public var identityFile: String?

    static func load(_ values: inout ConfigurationValues) -> EncryptionSettings {
        let recipients = values.list("BACKUP_ENCRYPTION_RECIPIENTS") ?? []
        for recipient in recipients where !recipient.hasPrefix("age1") {
            // The value is a list of public keys, but a private key pasted by
            // mistake must not be echoed: only its first characters are shown.
            values.report(ConfigProblem(variable: "BACKUP_ENCRYPTION_RECIPIENTS", value: String(recipient.prefix(12)) + "…",
                message: "is not an age recipient; give age1… public keys (age-keygen -y prints one), comma-separated"))
        }
        return EncryptionSettings(recipients: recipients, passphrase: values.text("BACKUP_ENCRYPTION_PASSPHRASE"),
                                  identityFile: values.text("BACKUP_ENCRYPTION_IDENTITY_FILE"))
    }
}
