import Foundation

/// `verification.json`, beside the manifest: the outcome of the last
/// `verify` of the set. It never changes the manifest; a set without it is
/// "unverified".
public struct VerificationRecord: Codable, Sendable, Equatable {
    public static let fileName = "verification.json"

    public enum State: String, Codable, Sendable {
        case passed
        case failed
    }

    public var state: State
    public var checkedAt: Date
    public var toolVersion: String
    public var problems: [String]

    public func encoded() throws -> [UInt8] { Array(try Manifest.encoder().encode(self)) + [0x0A] }
    public static func decode(_ bytes: [UInt8]) throws -> VerificationRecord {
        try Manifest.decoder().decode(VerificationRecord.self, from: Data(bytes))
    }
}
