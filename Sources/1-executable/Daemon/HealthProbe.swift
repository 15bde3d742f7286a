import ByteStreams
import LifeboatConfiguration
import Foundation
import HTTPClient

/// `lifeboat healthcheck`: the image's HEALTHCHECK (the runtime has no curl).
public enum HealthProbe {
    /// The service's /healthz status and reason; throws when it does not answer.
    public static func check(_ settings: Settings) throws -> (healthy: Bool, body: String) {
        let host = settings.daemon.httpHost.map { $0 == "0.0.0.0" ? "127.0.0.1" : $0 == "[::]" ? "[::1]" : $0 } ?? "127.0.0.1"
        let response = try HTTPTransfer().perform(method: "GET", url: "http://\(host):\(settings.daemon.httpPort)/healthz", timeoutSeconds: 4)
        return (response.status == 200, response.text)
    }
}
