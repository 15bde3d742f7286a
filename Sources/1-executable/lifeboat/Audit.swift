import ArgumentParser
import Foundation
import LifeboatConfiguration
import LifeboatCore

/// A command whose runs go into the audit trail (it reads, restores,
/// copies, deletes, decrypts or thaws sets). nil: this run does none of
/// that (a dry run).
protocol AuditedCommand: ParsableCommand {
    var auditOperation: String? { get }
    var global: GlobalOptions { get }
}

/// What a command found out while it ran (the set `latest` was, the tier
/// it came from), for its audit record; filled by the command, read once
/// at its end.
final class AuditNotes: @unchecked Sendable {
    // @unchecked Sendable: every field is guarded by `lock`.
    static let shared = AuditNotes()
    private let lock = NSLock()
    private var sets: [String] = []
    private var tiers: [String] = []
    private var components: [String] = []

    func note(sets: [String] = [], tiers: [String] = [], components: [String] = []) {
        lock.withLock {
            for set in sets where !self.sets.contains(set) { self.sets.append(set) }
            for tier in tiers where !self.tiers.contains(tier) { self.tiers.append(tier) }
            for component in components where !self.components.contains(component) { self.components.append(component) }
        }
    }

    var current: (sets: [String], tiers: [String], components: [String]) { lock.withLock { (sets, tiers, components) } }
}

enum Audit {
    /// Runs the command and appends its record, whatever the outcome; the
    /// command's own error (and exit status) is passed on unchanged.
    static func run(_ command: any AuditedCommand, _ body: () throws -> Void) throws {
        guard let operation = command.auditOperation else { return try body() }
        var status: Int32 = 0
        var message: String?
        defer {
            // The configuration as the command read it, quietly (it said its own warnings).
            if let settings = command.global.quietSettings() {
                let notes = AuditNotes.shared.current
                let record = AuditRecord(operation: operation, sets: notes.sets, tiers: notes.tiers, components: notes.components,
                                         command: CommandLine.arguments.map { ($0 as NSString).lastPathComponent == "lifeboat" ? "lifeboat" : $0 },
                                         exitStatus: status, message: message)
                for problem in AuditTrail(settings: settings).append(record) { Output.warning(problem) }
            }
        }
        do {
            try body()
        } catch let error as LifeboatError {
            (status, message) = (error.status.rawValue, error.message)
            throw error
        } catch let error as ExitCode {
            status = error.rawValue
            throw error
        } catch {
            (status, message) = (1, "\(error)")
            throw error
        }
    }
}
