import ByteStreams
import Foundation
import LifeboatConfiguration

extension Component {
    /// The application's code (APP_REPO_DIR), as a git bundle.
    public static let code = Component(registered: "code")
}

/// The application's source repository: `git bundle create --all` (every
/// branch and tag, restorable with stock `git clone code.bundle`), checked
/// with `git bundle verify`; the manifest records HEAD's commit, the
/// branches and the remote, so a restore says which code matches the data.
struct CodeComponent: ComponentHandler {
    var component: Component { .code }
    var fileStem: String { "code.bundle" }
    var format: String { "git-bundle" }
    var configureHint: String { "set APP_REPO_DIR to the absolute path of the application's git repository" }
    /// A rebuild names the commit; the code is deployed by its own means.
    var rebuildRole: RebuildRole { .reported }

    func isConfigured(_ settings: Settings) -> Bool { settings.appRepoDirectory != nil }

    func backUp(_ backup: ComponentBackup, into sink: any ByteSink, artifact: inout Manifest.Artifact) throws {
        let directory = backup.settings.appRepoDirectory!
        var summary = try Self.describeRepository(directory)
        if summary.uncommittedChanges > 0 {
            backup.warn("code: \(directory): \(summary.uncommittedNote!) (a bundle holds commits only: commit what the application runs on)")
        }
        var header = BundleHeader()
        var bytes: Int64 = 0
        try Git(directory: directory).stream(["bundle", "create", "--quiet", "-", "--all"]) { chunk in
            header.update(chunk)
            bytes += Int64(chunk.count)
            try sink.write(chunk)
        }
        if let problem = header.problem { throw LifeboatError(.failure, "git bundle create wrote something unexpected: \(problem)") }
        summary.refs = header.refs.count
        summary.bytes = bytes
        artifact.code = summary
    }

    /// HEAD, branch, branches, tags, remote and the working tree's state,
    /// asked of git (a repository with no commit cannot be bundled).
    static func describeRepository(_ directory: String) throws -> CodeSummary {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw LifeboatError.usage("APP_REPO_DIR \(directory) does not exist or is not a folder",
                                      hint: "mount the application's repository into the backup container (read-only is enough), or unset APP_REPO_DIR")
        }
        let git = Git(directory: directory)
        let version = try Git(directory: nil).run(["--version"])
        guard git.answer(["rev-parse", "--git-dir"]) != nil else {
            throw LifeboatError.usage("APP_REPO_DIR \(directory) is not a git repository",
                                      hint: "point APP_REPO_DIR at the folder that holds the application's .git (or a bare repository)")
        }
        guard let head = git.answer(["rev-parse", "--verify", "-q", "HEAD"]) else {
            throw LifeboatError.usage("APP_REPO_DIR \(directory) holds no commit: there is nothing to bundle",
                                      hint: "commit the application's code first, or unset APP_REPO_DIR")
        }
        var branches: [String: String] = [:]
        for line in try git.run(["for-each-ref", "--format=%(objectname) %(refname:short)", "refs/heads"]).split(separator: "\n") {
            let parts = line.split(separator: " ", maxSplits: 1)
            if parts.count == 2 { branches[String(parts[1])] = String(parts[0]) }
        }
        let tags = try git.run(["for-each-ref", "--format=%(refname)", "refs/tags"]).split(separator: "\n").count
        let remote = git.answer(["remote", "get-url", "origin"]).flatMap { $0.isEmpty ? nil : Redaction.redactURLCredentials(in: $0) }
        // A bare repository has no working tree to differ from HEAD.
        let bare = git.answer(["rev-parse", "--is-bare-repository"]) == "true"
        let changes = bare ? 0 : (git.answer(["status", "--porcelain"]) ?? "").split(separator: "\n").count
        return CodeSummary(head: head, branch: git.answer(["symbolic-ref", "-q", "--short", "HEAD"]), branches: branches, tags: tags,
                           refs: 0, remote: remote, uncommittedChanges: changes,
                           gitVersion: version.replacingOccurrences(of: "git version ", with: ""), bytes: 0)
    }

    func describe(_ artifact: Manifest.Artifact) -> String {
        guard let code = artifact.code else { return "" }
        return "\(code.describe), \(code.branches.count == 1 ? "1 branch" : "\(code.branches.count) branches"), \(code.tags == 1 ? "1 tag" : "\(code.tags) tags")"
    }

    func contentVersion(_ artifact: Manifest.Artifact) -> String? {
        artifact.code.map { "commit \($0.head.prefix(12))" + ($0.branch.map { " (\($0))" } ?? "") }
    }

    /// The bundle's header against the manifest (its refs, HEAD), then
    /// `git bundle verify` on a scratch copy (git reads a bundle from a file).
    func checkContents(_ artifact: Manifest.Artifact, from source: any ByteSource) throws -> [String] {
        let scratch = FileManager.default.temporaryDirectory.path + "/lifeboat-verify-code-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let bundle = try ScratchFile(path: scratch + ".bundle")
        let file = bundle.sink
        var header = BundleHeader()
        try source.drain { chunk in
            header.update(chunk)
            try file.write(chunk)
        }
        if let problem = header.problem { return [problem] }
        guard header.complete else { return ["the bundle ends inside its header"] }
        var problems: [String] = []
        if let expected = artifact.code {
            if header.head != expected.head {
                problems.append("the bundle's HEAD is \(header.head ?? "missing"), the manifest says \(expected.head)")
            }
            if header.refs.count != expected.refs {
                problems.append("the bundle holds \(header.refs.count) refs, the manifest says \(expected.refs)")
            }
        }
        // git bundle verify needs a repository to check prerequisites against: an empty one.
        try Git(directory: nil).run(["init", "--quiet", "--bare", scratch])
        do {
            try Git(directory: scratch).run(["bundle", "verify", "--quiet", scratch + ".bundle"])
        } catch let error as Git.Failure where !error.missing {
            problems.append("git bundle verify: \(error.message)")
        }
        return problems
    }

    func reachability(_ settings: Settings) -> (reachable: Bool, detail: String)? {
        guard let directory = settings.appRepoDirectory else { return nil }
        do {
            let summary = try Self.describeRepository(directory)
            return (true, "\(directory): \(summary.describe)" + (summary.uncommittedNote.map { "; \($0)" } ?? ""))
        } catch {
            return (false, LifeboatError.wrap(error, doing: "reading \(directory)").message)
        }
    }

    func doctorFindings(_ context: DoctorContext) -> [DoctorFinding] {
        guard let directory = context.settings.appRepoDirectory else {
            return [DoctorFinding("code", "configured", .notChecked, "APP_REPO_DIR is not set: the application's code is not backed up")]
        }
        let summary: CodeSummary
        do {
            summary = try Self.describeRepository(directory)
        } catch {
            let wrapped = LifeboatError.wrap(error, doing: "reading APP_REPO_DIR")
            return [DoctorFinding("code", "repository", .fail, wrapped.message, fix: wrapped.hint)]
        }
        var findings = [DoctorFinding("code", "repository", .ok, "\(directory): \(summary.describe), git \(summary.gitVersion)")]
        if let note = summary.uncommittedNote {
            findings.append(DoctorFinding("code", "committed", .warn, "\(directory): \(note)",
                                          fix: "commit (or stash into a branch) what the running application depends on"))
        }
        return findings
    }

    func prepareRestore(_ restore: ComponentRestore) throws -> any PreparedRestore {
        try CodeRestore.prepare(restore)
    }
}
