import Foundation
import LifeboatConfiguration

/// `status`'s quick look at each component's source: configured (by which
/// variable), and answering now. One round trip each, nothing written;
/// what "answering" means is each component's handler's.
public struct SourceReachability: Codable, Sendable {
    public var component: String
    public var variable: String
    public var enabled: Bool
    /// nil when not configured.
    public var reachable: Bool?
    public var detail: String

    public static func all(_ settings: Settings) -> [SourceReachability] {
        ComponentRegistry.handlers.map { check($0, settings) }
    }

    static func check(_ handler: any ComponentHandler, _ settings: Settings) -> SourceReachability {
        let probe = handler.reachability(settings)
        return SourceReachability(component: handler.component.rawValue, variable: handler.variable, enabled: probe != nil,
                                  reachable: probe?.reachable, detail: probe?.detail ?? "off: \(handler.variable) is not set")
    }
}
