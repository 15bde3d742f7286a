import ByteStreams
import FileSources
import Foundation
import LifeboatConfiguration
import LifeboatCrypto
import Storage

/// A code restore: the bundle written to a scratch file while its stored
/// bytes are hashed, then every ref fetched into a new repository in a
/// staging folder and HEAD checked out; swapped into APP_REPO_DIR (or
/// `--to DIR/code`) only when HEAD is the recorded commit. A non-empty
/// target is replaced only with --overwrite, its contents kept aside.
struct CodeRestore: PreparedRestore {
    let swap: FolderSwap
    let summary: CodeSummary?
    let live: Bool
    let console: Console
    var component: Component { .code }
    var staging: String? { swap.stagingPath }

    static func prepare(_ restore: ComponentRestore) throws -> CodeRestore {
        let manifest = restore.manifest
        let artifact = restore.artifact(.code)
        let target: String
        if let destination = restore.options.destination {
            target = destination + "/code"
        } else if let directory = restore.settings.appRepoDirectory {
            target = directory
        } else {
            throw LifeboatError.usage("cannot tell where to restore the code", hint: "set APP_REPO_DIR or pass --to DIR")
        }
        let swap: FolderSwap
        do {
            swap = try FolderSwap(target: target, tag: manifest.id.rawValue, overwrite: restore.options.overwrite)
        } catch {
            throw LifeboatError.wrap(error, doing: "restoring code")
        }
        do {
            let bundle = try ScratchFile(path: restore.settings.backupDirectory + "/.lifeboat-restore-\(manifest.id)-code.bundle")
            let hashing = try HashingSource(restore.openStored(artifact, of: manifest.id))
            let file = bundle.sink
            do {
                try restore.encryption.contents(of: artifact, from: hashing).drain { try file.write($0) }
            } catch {
                if let digest = try? hashing.finishHex(), digest != artifact.sha256 {
                    throw LifeboatError.integrity("\(artifact.file) of set \(manifest.id) is corrupt (SHA-256 \(digest), manifest \(artifact.sha256)); nothing was changed")
                }
                throw LifeboatError.wrap(error, doing: "reading \(artifact.file)")
            }
            try restore.requireIntact(artifact, digest: hashing.finishHex(), bytes: hashing.count, tree: nil)
            try replicate(bundle.path, into: swap.resolvedStaging, summary: artifact.code)
            if let remote = artifact.code?.remote, remote.contains(":***@") {
                restore.console.warn("code: origin was \(remote) (its password is never stored): the restored repository has no origin; add it with `git remote add origin <url>`")
            }
            return CodeRestore(swap: swap, summary: artifact.code, live: restore.options.destination == nil, console: restore.console)
        } catch {
            swap.discard()
            throw error
        }
    }

    /// Every ref of the bundle (branches, tags, remote-tracking) into a new
    /// repository, HEAD as it was (on its branch, or detached), the
    /// working tree checked out, `origin` set to the recorded remote.
    private static func replicate(_ bundle: String, into root: String, summary: CodeSummary?) throws {
        let git = Git(directory: root)
        try Git(directory: nil).run(["init", "--quiet", root])
        // Every object checked as it arrives: a bundle is input, and checkout
        // refuses paths a hostile tree could use (.git, symlinked folders) itself.
        try git.run(["-c", "fetch.fsckObjects=true", "fetch", "--quiet", "--update-head-ok", bundle, "refs/*:refs/*"])
        let head: String
        if let summary {
            head = summary.head
        } else {
            head = try Git(directory: nil).run(["bundle", "list-heads", bundle, "HEAD"]).split(separator: " ").first.map(String.init) ?? ""
        }
        if let branch = summary?.branch {
            try git.run(["symbolic-ref", "HEAD", "refs/heads/\(branch)"])
            try git.run(["reset", "--quiet", "--hard"])
        } else {
            try git.run(["checkout", "--quiet", "--detach", head])
        }
        let restored = try git.run(["rev-parse", "HEAD"])
        guard restored == head else {
            throw LifeboatError.integrity("the restored repository's HEAD is \(restored), the manifest says \(head); nothing was changed")
        }
        // A remote whose credentials were removed when it was recorded cannot be used as it is.
        if let remote = summary?.remote, !remote.contains(":***@") {
            try git.run(["remote", "add", "origin", remote])
        }
    }

    func apply(into outcome: inout RestoreJob.Outcome) throws {
        try swap.swapIn(.code, into: &outcome, console: console)
        console.info("  code: \(summary?.describe ?? "the bundle") → \(swap.target)")
    }

    func discard() { swap.discard() }
}
