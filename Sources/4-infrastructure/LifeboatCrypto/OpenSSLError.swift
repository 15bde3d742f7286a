import ErrorCategories
internal import COpenSSL

/// An OpenSSL failure carrying the library's own error queue as text.
public struct OpenSSLError: Error, CustomStringConvertible, Sendable {
    public let operation: String
    public let queue: [String]

    public var description: String {
        queue.isEmpty ? "\(operation) failed in OpenSSL" : "\(operation) failed in OpenSSL: \(queue.joined(separator: "; "))"
    }

    /// Drains the thread's OpenSSL error queue, so a stale error never
    /// surfaces on a later, unrelated call.
    static func drain(_ operation: String) -> OpenSSLError {
        var messages: [String] = []
        while true {
            let code = ERR_get_error()
            if code == 0 { break }
            var buffer = [CChar](repeating: 0, count: 256)
            ERR_error_string_n(code, &buffer, buffer.count)
            messages.append(String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        return OpenSSLError(operation: operation, queue: messages)
    }
}

/// The one funnel for OpenSSL's "1 is success" return codes.
@inline(__always)
func checkOpenSSL(_ result: Int32, _ operation: String) throws {
    if result != 1 { throw OpenSSLError.drain(operation) }
}

extension OpenSSLError: CategorizedError {
    public var category: ErrorCategory { .failure }
}
