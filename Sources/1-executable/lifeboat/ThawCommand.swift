import ArgumentParser
import LifeboatConfiguration
import Foundation
import LifeboatCore

struct ThawCommand: AuditedCommand {
    var auditOperation: String? { status ? nil : "thaw" }
    static let configuration = CommandConfiguration(
        commandName: "thaw",
        abstract: "Request a Glacier set's restore, so it can be verified or restored.",
        discussion: """
        Objects in the GLACIER or DEEP_ARCHIVE storage class cannot be read
        until S3 restores a temporary copy (GLACIER_RETRIEVAL_TIER: Expedited
        minutes, Standard 3-5 hours, Bulk 5-12 hours; DEEP_ARCHIVE up to 48
        hours). The copy stays readable for GLACIER_RESTORE_DAYS. Run again to
        see the state; exits 75 (try again later) while any artifact is still
        being restored.

        Examples:
          lifeboat thaw latest
          lifeboat thaw 20260118T010000Z-full-9c2e --status
          lifeboat restore 20260118T010000Z-full-9c2e --from glacier --overwrite   # once thawed
          lifeboat thaw latest --tier coldstore     # an s3:// target with TARGET_COLDSTORE_STORAGE_CLASS=DEEP_ARCHIVE
        """
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: "Set id, or 'latest'.")
    var set: String = "latest"

    @Flag(help: "Only show the state, request nothing.")
    var status = false

    @Flag(help: "Print JSON.")
    var json = false

    @Option(help: "The tier whose archived copy to thaw: glacier (the default), or an s3:// target of TARGETS with an archive storage class.")
    var tier: String = "glacier"

    func run() throws {
        let settings = try global.settings()
        let tiers = try Tiers(settings)
        let archive = try tiers.s3Tier(named: tier)
        let entry = try SetCatalog(tier: archive).resolve(set == "latest" ? nil : set)
        AuditNotes.shared.note(sets: [entry.id.rawValue], tiers: [tier])
        let thawer = Thawer(settings: settings, tier: archive)
        let states = try thawer.thaw(entry.manifest, request: !status)
        if json {
            struct Thawed: Encodable { let set: String; let artifacts: [Thawer.ArtifactState]; let readable: Bool }
            try Output.json(Thawed(set: entry.id.rawValue, artifacts: states, readable: states.allSatisfy { $0.state == "readable" || $0.state == "restored" }), schema: "thaw/1")
        } else {
            Output.table(["ARTIFACT", "STATE"], states.map { [$0.file, $0.state] })
        }
        if states.allSatisfy({ $0.state == "readable" || $0.state == "restored" }) {
            if !json { Output.line("\(entry.id) is readable: `lifeboat restore \(entry.id) --from \(tier)`") }
        } else {
            throw LifeboatError(.busy, "\(entry.id) is being restored from \(thawer.storageClass) (\(settings.storage.glacierRetrieval) retrieval)",
                                hint: "run `lifeboat thaw \(entry.id)\(tier == "glacier" ? "" : " --tier \(tier)") --status` later; the restored copy stays readable for \(settings.storage.glacierRestoreDays) days")
        }
    }
}
