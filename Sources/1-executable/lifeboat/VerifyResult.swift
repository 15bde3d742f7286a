import Foundation
import LifeboatCore

/// `verify --json`: the verdict, how deep it looked, and each artifact's own.
struct VerifyResult: Encodable {
    struct Artifact: Encodable {
        let component: String
        let file: String
        let state: String
        let expectedBytes: Int64
        let foundBytes: Int64?
        let expectedSHA256: String
        let foundSHA256: String?
        let problems: [String]
        /// Why it could not be checked (then `state` is not-checked).
        let notChecked: String?
    }
    let id: String
    let tier: String
    let state: String
    let depth: String
    let artifacts: [Artifact]
    let deepMongo: [Verifier.DeepRow]?
    let problems: [String]
    let unchecked: [String]

    init(_ report: Verifier.Report) {
        id = report.id.rawValue
        tier = report.tier
        state = report.state.rawValue
        depth = report.deepMongo == nil ? "quick" : "deep"
        artifacts = report.artifacts.map { a in
            Artifact(component: a.component.rawValue, file: a.file, state: a.state.rawValue, expectedBytes: a.expectedBytes, foundBytes: a.foundBytes,
                     expectedSHA256: a.expectedSHA256, foundSHA256: a.foundSHA256, problems: a.problems, notChecked: a.notChecked)
        }
        deepMongo = report.deepMongo
        problems = report.problems
        unchecked = report.unchecked
    }
}
