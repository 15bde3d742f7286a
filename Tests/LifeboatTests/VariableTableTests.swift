import LifeboatConfiguration
import Testing

/// The table of variables is the one place each variable's type and
/// default are written; these tests hold every entry to it.
@Suite struct VariableTableTests {
    /// Enough for every variable to be read (the S3 ones only are with a
    /// bucket, the email ones with a mail server).
    static let base = ["AWS_S3_BUCKET": "lifeboat-test", "AWS_ACCESS_KEY_ID": "k", "AWS_SECRET_ACCESS_KEY": "s",
                       "ALERT_SMTP_URL": "smtp://mail.example.com:587", "ALERT_EMAIL_FROM": "lifeboat@example.com", "ALERT_EMAIL_TO": "ops@example.com"]

    @Test func everyDefaultIsAValidValueOfItsKind() {
        for spec in VariableSpec.all {
            guard let value = spec.defaultValue else { continue }
            let loaded = LoadedConfiguration.load(environment: Self.base.merging([spec.name: value]) { $1 })
            #expect(loaded.problems.isEmpty, "\(spec.name)=\(value) (its own default): \(loaded.problems)")
        }
        #expect(LoadedConfiguration.load(environment: [:]).problems.isEmpty)
    }

    /// A wrong value of any typed variable is refused, named, and said
    /// what would be right; nothing typed is read past the table.
    @Test func everyTypedVariableRefusesNonsenseByName() {
        for spec in VariableSpec.all where ![.text, .list].contains(spec.kind) {
            let loaded = LoadedConfiguration.load(environment: Self.base.merging([spec.name: "%nonsense%"]) { $1 })
            let mine = loaded.problems.filter { $0.variable == spec.name }
            #expect(mine.count == 1, "\(spec.name) (\(spec.kind.summary)) accepted %nonsense%: \(loaded.problems)")
            #expect(mine.allSatisfy { $0.message.hasPrefix("must") || $0.message.contains("is not") || $0.message.contains("unknown") || $0.message.contains("step") || $0.message.contains("field") },
                    "\(spec.name): \(mine)")
            #expect(loaded.problems.allSatisfy { $0.variable == spec.name }, "\(spec.name)=%nonsense% blamed others: \(loaded.problems)")
        }
    }

    /// The same for the per-target variables, on an s3:// target (the
    /// typed ones are S3's and the common ones).
    @Test func everyTypedTargetVariableRefusesNonsenseByName() {
        let target = Self.base.merging(["TARGETS": "offsite", "TARGET_OFFSITE_URL": "s3://bucket-two/x",
                                        "TARGET_OFFSITE_ACCESS_KEY_ID": "k2", "TARGET_OFFSITE_SECRET_ACCESS_KEY": "s2"]) { $1 }
        #expect(LoadedConfiguration.load(environment: target).problems.isEmpty, "\(LoadedConfiguration.load(environment: target).problems)")
        for spec in VariableSpec.forTarget("offsite") where ![.text, .list].contains(spec.kind) {
            if let value = spec.defaultValue {
                #expect(LoadedConfiguration.load(environment: target.merging([spec.name: value]) { $1 }).problems.isEmpty, "\(spec.name)=\(value)")
            }
            let loaded = LoadedConfiguration.load(environment: target.merging([spec.name: "%nonsense%"]) { $1 })
            let mine = loaded.problems.filter { $0.variable == spec.name }
            #expect(mine.count == 1, "\(spec.name) (\(spec.kind.summary)) accepted %nonsense%: \(loaded.problems)")
            #expect(loaded.problems.allSatisfy { $0.variable == spec.name }, "\(spec.name)=%nonsense% blamed others: \(loaded.problems)")
        }
        // Known by name: a target's variable is not an unknown one; a stranger's is an error naming TARGETS.
        let loaded = LoadedConfiguration.load(environment: target.merging(["TARGET_VAULT_URL": "s3://b-three"]) { $1 })
        #expect(loaded.warnings.isEmpty && loaded.typos.map(\.variable) == ["TARGET_VAULT_URL"], "\(loaded.typos) \(loaded.warnings)")
    }
}
