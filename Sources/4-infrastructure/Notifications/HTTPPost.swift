import ByteStreams
import HTTPClient
import LifeboatConfiguration

/// One POST of a small body, as the webhook and the heartbeat send it: a
/// 2xx is delivered, a 4xx (but 429) is a refusal, anything else may pass.
/// The URL is a secret (a token or a check's key is in it): an error
/// message never shows it.
enum HTTPPost {
    static func send(_ body: [UInt8], to url: String, contentType: String, what: String, secretURLs: [String]) -> Delivery {
        do {
            let transfer = try HTTPTransfer()
            let response = try body.withUnsafeBytes { buffer in
                try transfer.perform(method: "POST", url: url, headers: ["Content-Type: \(contentType)"],
                                     body: MemorySource(buffer), bodyLength: Int64(buffer.count), timeoutSeconds: 10)
            }
            if (200..<300).contains(response.status) { return .delivered }
            return .failed("\(what) answered HTTP \(response.status)", permanent: (400..<500).contains(response.status) && response.status != 429)
        } catch {
            return .failed(secretURLs.reduce("\(error)") { Redaction.hideSecretURL($1, in: $0) })
        }
    }
}
