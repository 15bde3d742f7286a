import ByteStreams
import Foundation

/// What a set can hold: one artifact each. The names, their order and
/// everything a use case needs of each are the registered handlers'
/// (`ComponentRegistry`); a component's constant (`.mongo`) is declared in
/// its own folder under `Components/`.
public struct Component: RawRepresentable, Hashable, Codable, Sendable, Comparable, CustomStringConvertible {
    public let rawValue: String

    /// Only a registered component: a manifest naming another one is not
    /// read (as an unknown enum case was not before).
    public init?(rawValue: String) {
        guard ComponentRegistry.names.contains(rawValue) else { return nil }
        self.rawValue = rawValue
    }

    /// For the constants in each component's folder.
    init(registered name: String) { self.rawValue = name }

    public static var allCases: [Component] { ComponentRegistry.handlers.map(\.component) }

    public var description: String { rawValue }

    /// The handler that knows everything about this component.
    var handler: any ComponentHandler { ComponentRegistry.handler(self) }

    /// The artifact's file name for a compression, e.g. `files.tar.zst`.
    public func fileName(_ compression: CompressionAlgorithm) -> String { handler.fileStem + compression.fileSuffix }

    /// The artifact's format name in the manifest.
    public var format: String { handler.format }

    /// The variable that turns the component on (the one its error messages name).
    public var variable: String { handler.variable }

    public static func < (a: Component, b: Component) -> Bool {
        ComponentRegistry.order(a) < ComponentRegistry.order(b)
    }

    /// Parses `files,config`, naming the bad item and the valid ones.
    public static func parseList(_ text: String) throws -> [Component] {
        var result: [Component] = []
        for item in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !item.isEmpty {
            guard let component = Component(rawValue: item.lowercased()) else {
                throw LifeboatError.usage("unknown component '\(item)'", hint: "valid components: \(allCases.map(\.rawValue).joined(separator: ", "))")
            }
            if !result.contains(component) { result.append(component) }
        }
        if result.isEmpty { throw LifeboatError.usage("--components is empty", hint: "name at least one of \(allCases.map(\.rawValue).joined(separator: ", "))") }
        return result.sorted()
    }
}

extension Manifest.Artifact {
    /// The version of what the artifact holds, when it has one (code:
    /// `commit 1a2b3c4d5e6f`), for `list` and `status`.
    public var contentVersion: String? { component.handler.contentVersion(self) }
}
