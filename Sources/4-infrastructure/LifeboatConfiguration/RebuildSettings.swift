import Foundation
import Scheduling

/// `lifeboat rebuild` and `lifeboat drill`: how long to wait for services,
/// how to check the application, and where the drill's throw-away stack is.
public struct RebuildSettings: Sendable, Equatable {
    /// The application's health endpoint (the guide's http://localhost/api/health).
    public var healthcheckURL: String?
    public var healthcheckTimeoutSeconds: Int
    /// How long a started container or data service may take to answer.
    public var serviceWaitSeconds: Int

    /// The drill's throw-away stack: another Compose project of the same
    /// services, on other ports and scratch volumes, and how to reach it.
    public var drillSchedule: CronExpression?
    public var drillProject: String?
    public var drillMongoURI: String?
    public var drillRedisURL: String?
    public var drillUploadsDirectory: String?
    public var drillHealthcheckURL: String?

    static func load(_ values: inout ConfigurationValues) -> RebuildSettings {
        RebuildSettings(healthcheckURL: values.url("HEALTHCHECK_URL"), healthcheckTimeoutSeconds: values.number("HEALTHCHECK_TIMEOUT_SECONDS")!,
                        serviceWaitSeconds: values.number("SERVICE_WAIT_SECONDS")!, drillSchedule: values.cron("DRILL_SCHEDULE"),
                        drillProject: values.text("DRILL_COMPOSE_PROJECT"), drillMongoURI: values.url("DRILL_MONGO_URI"),
                        drillRedisURL: values.url("DRILL_REDIS_URL"), drillUploadsDirectory: values.path("DRILL_UPLOADS_DIR"),
                        drillHealthcheckURL: values.url("DRILL_HEALTHCHECK_URL"))
    }
}
