import ErrorCategories
import Foundation

/// An age X25519 recipient (`age1…`): whom an artifact is encrypted to.
public struct AgeRecipient: Sendable, Equatable, CustomStringConvertible {
    public let publicKey: [UInt8]

    public init(_ text: String) throws {
        guard let (hrp, data) = Bech32.decode(text), hrp == "age", data.count == 32 else {
            throw AgeError("'\(text.prefix(20))…' is not an age X25519 recipient (age1… , as age-keygen prints)")
        }
        publicKey = data
    }

    init(publicKey: [UInt8]) { self.publicKey = publicKey }

    public var description: String { Bech32.encode(hrp: "age", publicKey) }
}

/// An age X25519 identity (`AGE-SECRET-KEY-1…`): what decrypts.
public struct AgeIdentity: Sendable {
    let secretKey: [UInt8]
    public let recipient: AgeRecipient

    public init(_ text: String) throws {
        guard let (hrp, data) = Bech32.decode(text), hrp == "age-secret-key-", data.count == 32 else {
            throw AgeError("not an age identity (AGE-SECRET-KEY-1…, as age-keygen writes)")
        }
        secretKey = data
        recipient = AgeRecipient(publicKey: try Primitives.x25519(data, nil))
    }

    public static func generate() throws -> AgeIdentity {
        try AgeIdentity(Bech32.encode(hrp: "age-secret-key-", try Primitives.random(32)).uppercased())
    }

    /// Every identity in an identity file (lines starting with AGE-SECRET-KEY-1; # comments ignored).
    public static func parseFile(_ text: String) throws -> [AgeIdentity] {
        try text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty && !$0.hasPrefix("#") }.map { try AgeIdentity($0) }
    }

    public var encoded: String { Bech32.encode(hrp: "age-secret-key-", secretKey).uppercased() }
}

public struct AgeError: Error, CustomStringConvertible, Sendable {
    /// `key`: the key or passphrase at hand does not open the file (the
    /// file may be fine); `data`: the file itself is malformed or damaged.
    public enum Kind: Sendable { case key, data }
    public let message: String
    public let kind: Kind
    public init(_ message: String, kind: Kind = .data) {
        self.message = message
        self.kind = kind
    }
    public var description: String { message }
}

extension AgeError: CategorizedError {
    /// No identity for the recipients, or a malformed key: configuration;
    /// a header or payload that fails its MAC: the artifact is not what was written.
    public var category: ErrorCategory { kind == .key ? .usage : .integrity }
}
