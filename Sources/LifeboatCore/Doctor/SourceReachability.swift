import Foundation
import LifeboatConfiguration
import MongoSource
import RedisSource

/// `status`'s quick look at each component's source: configured (by which
/// variable), and answering now. One round trip each, nothing written.
public struct SourceReachability: Codable, Sendable {
    public var component: String
    public var variable: String
    public var enabled: Bool
    /// nil when not configured.
    public var reachable: Bool?
    public var detail: String

    public static func all(_ settings: Settings) -> [SourceReachability] {
        Component.allCases.map { check($0, settings) }
    }

    static func check(_ component: Component, _ settings: Settings) -> SourceReachability {
        let variable = Settings.componentVariables[component.rawValue] ?? "?"
        func result(_ reachable: Bool?, _ detail: String) -> SourceReachability {
            SourceReachability(component: component.rawValue, variable: variable, enabled: reachable != nil, reachable: reachable, detail: detail)
        }
        switch component {
        case .mongo:
            guard let uri = settings.mongoURI else { return result(nil, "off: \(variable) is not set") }
            do { return result(true, "MongoDB \(try MongoHealth.ping(uri: uri)) answers") } catch { return result(false, "\(error)") }
        case .redis:
            guard let url = settings.redisURL else { return result(nil, "off: \(variable) is not set") }
            do { return result(true, "Redis \(try RedisHealth.ping(try RedisEndpoint(url: url))) answers") } catch { return result(false, "\(error)") }
        case .files:
            guard let path = settings.uploadsDirectory else { return result(nil, "off: \(variable) is not set") }
            return FileManager.default.isReadableFile(atPath: path) ? result(true, "\(path) is readable") : result(false, "\(path) is missing or unreadable")
        case .config:
            guard !settings.configPaths.isEmpty else { return result(nil, "off: \(variable) is not set") }
            let missing = settings.configPaths.filter { !FileManager.default.isReadableFile(atPath: $0) }
            return missing.isEmpty ? result(true, "\(settings.configPaths.count) path(s) readable") : result(false, "missing or unreadable: \(missing.joined(separator: ", "))")
        }
    }
}
