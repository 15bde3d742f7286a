import Foundation
import Scheduling

/// `lifeboat rebuild` and `lifeboat drill`: how long to wait for services,
/// how to check the application, and where the drill's throw-away stack is.
public struct RebuildSettings: Sendable, Equatable {
    /// The application's health endpoint (the guide's http://localhost/api/health).
    public var healthcheckURL: String?
    public var healthcheckTimeoutSeconds = 300
    /// How long a started container or data service may take to answer.
    public var serviceWaitSeconds = 300

    /// The drill's throw-away stack: another Compose project of the same
    /// services, on other ports and scratch volumes, and how to reach it.
    public var drillSchedule: CronExpression?
    public var drillProject: String?
    public var drillMongoURI: String?
    public var drillRedisURL: String?
    public var drillUploadsDirectory: String?
    public var drillHealthcheckURL: String?

    public init() {}

    static func load(value: (String) -> String?, shown: (String) -> String?, problems: inout [ConfigProblem]) -> RebuildSettings {
        var rebuild = RebuildSettings()
        func url(_ name: String, _ keyPath: WritableKeyPath<RebuildSettings, String?>) {
            guard let text = value(name) else { return }
            if text.hasPrefix("http://") || text.hasPrefix("https://") { rebuild[keyPath: keyPath] = text } else {
                problems.append(ConfigProblem(variable: name, value: shown(name), message: "must be an http(s) URL, e.g. http://localhost/api/health"))
            }
        }
        url("HEALTHCHECK_URL", \.healthcheckURL)
        url("DRILL_HEALTHCHECK_URL", \.drillHealthcheckURL)
        for (name, keyPath) in [("HEALTHCHECK_TIMEOUT_SECONDS", \RebuildSettings.healthcheckTimeoutSeconds),
                                ("SERVICE_WAIT_SECONDS", \RebuildSettings.serviceWaitSeconds)] {
            guard let text = value(name) else { continue }
            if let seconds = Int(text), (1...86_400).contains(seconds) { rebuild[keyPath: keyPath] = seconds } else {
                problems.append(ConfigProblem(variable: name, value: text, message: "must be a whole number of seconds from 1 to 86400, e.g. 300"))
            }
        }
        if let text = value("DRILL_SCHEDULE") {
            do { rebuild.drillSchedule = try CronExpression(text) } catch let error as CronExpression.ParseError {
                problems.append(ConfigProblem(variable: "DRILL_SCHEDULE", value: text, message: error.problem))
            } catch {}
        }
        rebuild.drillProject = value("DRILL_COMPOSE_PROJECT")
        rebuild.drillMongoURI = value("DRILL_MONGO_URI")
        rebuild.drillRedisURL = value("DRILL_REDIS_URL")
        if let text = value("DRILL_UPLOADS_DIR") {
            if text.hasPrefix("/") && text != "/" { rebuild.drillUploadsDirectory = text } else {
                problems.append(ConfigProblem(variable: "DRILL_UPLOADS_DIR", value: text, message: "must be an absolute path (not /), e.g. /drill/uploads"))
            }
        }
        return rebuild
    }
}
