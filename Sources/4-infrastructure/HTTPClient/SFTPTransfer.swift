import ByteStreams
internal import CCurl
import Foundation

/// How to log in to an SFTP server: the user, a private key file (key
/// authentication only: no password is ever sent), and the known_hosts
/// file the server's host key must be in.
public struct SFTPLogin: Sendable, Equatable {
    public var user: String
    public var privateKeyFile: String
    public var passphrase: String?
    public var knownHostsFile: String
    public var connectTimeoutSeconds: Int
    /// A transfer that moves no byte for this long is dropped.
    public var stallSeconds: Int

    public init(user: String, privateKeyFile: String, passphrase: String? = nil, knownHostsFile: String,
                connectTimeoutSeconds: Int = 15, stallSeconds: Int = 30) {
        self.user = user
        self.privateKeyFile = privateKeyFile
        self.passphrase = passphrase
        self.knownHostsFile = knownHostsFile
        self.connectTimeoutSeconds = connectTimeoutSeconds
        self.stallSeconds = stallSeconds
    }
}

/// One SFTP connection through libcurl (its libssh2 backend): uploads and
/// downloads streamed through callbacks, directory listings, a file's size
/// and time, and the protocol's file commands (rename, rm, rmdir). The
/// host key must match the known_hosts file, or nothing is sent. The easy
/// handle keeps the SSH session open between calls. Blocking; one thread
/// at a time.
public final class SFTPTransfer {
    private let handle: UnsafeMutableRawPointer
    private let state = TransferState()
    private let login: SFTPLogin
    /// What the host key check found (a `curl_khmatch`), for the message.
    private let hostKeyMatch = UnsafeMutablePointer<Int32>.allocate(capacity: 1)

    public init(login: SFTPLogin) throws {
        _ = HTTPTransfer.globalInit
        guard let handle = curl_easy_init() else { throw HTTPError(code: -1, message: "curl_easy_init failed", operation: "SFTP") }
        self.handle = handle
        self.login = login
    }

    deinit {
        curl_easy_cleanup(handle)
        hostKeyMatch.deallocate()
    }

    public struct Attributes: Sendable {
        public let size: Int64
        public let modified: Date
    }

    /// One entry of a directory listing.
    public struct Entry: Sendable, Equatable {
        public let name: String
        public let isDirectory: Bool
        public let size: Int64
    }

    /// Uploads to `url`, creating missing folders; `after` runs on the
    /// server once the bytes are written (a rename into place).
    public func upload(url: String, from source: any ByteSource, after: [String] = []) throws {
        try perform(url, operation: "SFTP upload to \(url)") { operation in
            try checkCurl(ccurl_setopt_long(handle, CURLOPT_UPLOAD, 1), operation)
            try checkCurl(ccurl_setopt_long(handle, CURLOPT_FTP_CREATE_MISSING_DIRS, Int(CURLFTP_CREATE_DIR_RETRY.rawValue)), operation)
            try checkCurl(ccurl_setopt_read(handle, httpReadCallback), operation)
            try checkCurl(ccurl_setopt_pointer(handle, CURLOPT_READDATA, Unmanaged.passUnretained(state).toOpaque()), operation)
            state.reset(source: source, sink: nil)
        } commands: { after.isEmpty ? nil : (CURLOPT_POSTQUOTE, after) }
    }

    /// Downloads `url` from byte `offset` into `sink`.
    public func download(url: String, to sink: any ByteSink, from offset: Int64 = 0) throws {
        try perform(url, operation: "SFTP download of \(url)") { operation in
            if offset > 0 { try checkCurl(ccurl_setopt_off(handle, CURLOPT_RESUME_FROM_LARGE, curl_off_t(offset)), operation) }
            state.reset(source: nil, sink: sink)
        }
    }

    /// The size and modification time of a file, or nil when there is none.
    public func attributes(url: String) throws -> Attributes? {
        do {
            try perform(url, operation: "SFTP stat of \(url)") { operation in
                try checkCurl(ccurl_setopt_long(handle, CURLOPT_NOBODY, 1), operation)
                try checkCurl(ccurl_setopt_long(handle, CURLOPT_FILETIME, 1), operation)
                state.reset(source: nil, sink: nil)
            }
        } catch let error as HTTPError where error.isRemoteFileMissing {
            return nil
        }
        var size: curl_off_t = -1
        var time = -1
        _ = ccurl_getinfo_off(handle, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &size)
        _ = ccurl_getinfo_long(handle, CURLINFO_FILETIME, &time)
        return Attributes(size: Int64(max(size, 0)), modified: Date(timeIntervalSince1970: TimeInterval(max(time, 0))))
    }

    /// The entries of a folder (not `.` and `..`), or nil when it does not exist.
    public func list(folderURL url: String) throws -> [Entry]? {
        let collected = CollectingSink()
        do {
            try perform(url.hasSuffix("/") ? url : url + "/", operation: "SFTP listing of \(url)") { _ in
                state.reset(source: nil, sink: collected)
            }
        } catch let error as HTTPError where error.isRemoteFileMissing {
            return nil
        }
        return String(decoding: collected.bytes, as: UTF8.self).split(separator: "\n").compactMap { Self.entry(fromLongName: $0) }
    }

    /// Runs file commands on the server (`rename A B`, `rm F`, `rmdir D`;
    /// a leading `*` lets one fail without failing the rest), with `url`
    /// naming a folder that exists.
    public func run(_ commands: [String], folderURL url: String) throws {
        try perform(url.hasSuffix("/") ? url : url + "/", operation: "SFTP \(commands.first ?? "")") { operation in
            try checkCurl(ccurl_setopt_long(handle, CURLOPT_NOBODY, 1), operation)
            state.reset(source: nil, sink: nil)
        } commands: { (CURLOPT_QUOTE, commands) }
    }

    /// Parses one line of OpenSSH's `ls -l` style listing: permissions,
    /// links, owner, group, size, month, day, time or year, then the name
    /// (a symbolic link's ` -> target` dropped).
    static func entry(fromLongName line: Substring) -> Entry? {
        var fields: [Substring] = []
        var rest = line[...]
        for _ in 0..<8 {
            rest = rest.drop { $0 == " " }
            guard let space = rest.firstIndex(of: " ") else { return nil }
            fields.append(rest[..<space])
            rest = rest[space...]
        }
        var name = String(rest.dropFirst())
        if fields[0].hasPrefix("l"), let arrow = name.range(of: " -> ") { name = String(name[..<arrow.lowerBound]) }
        name = name.trimmingCharacters(in: CharacterSet(charactersIn: "\r"))
        guard !name.isEmpty, name != ".", name != "..", let size = Int64(fields[4]) else { return nil }
        return Entry(name: name, isDirectory: fields[0].hasPrefix("d"), size: size)
    }

    private func perform(_ url: String, operation: String, configure: (String) throws -> Void,
                         commands: () -> (CURLoption, [String])? = { nil }) throws {
        curl_easy_reset(handle)
        hostKeyMatch.pointee = -1
        var errorBuffer = [CChar](repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        try errorBuffer.withUnsafeMutableBufferPointer { buffer in
            defer { state.reset(source: nil, sink: nil) }
            try checkCurl(ccurl_setopt_pointer(handle, CURLOPT_ERRORBUFFER, buffer.baseAddress), operation)
            // The handle must not keep a pointer to this buffer past the call.
            defer { _ = ccurl_setopt_pointer(handle, CURLOPT_ERRORBUFFER, nil) }
            try checkCurl(ccurl_setopt_string(handle, CURLOPT_URL, url), operation)
            try checkCurl(ccurl_setopt_string(handle, CURLOPT_PROTOCOLS_STR, "sftp"), operation)
            try checkCurl(ccurl_setopt_long(handle, CURLOPT_NOSIGNAL, 1), operation)
            try checkCurl(ccurl_setopt_long(handle, CURLOPT_CONNECTTIMEOUT, login.connectTimeoutSeconds), operation)
            try checkCurl(ccurl_setopt_long(handle, CURLOPT_LOW_SPEED_LIMIT, 1), operation)
            try checkCurl(ccurl_setopt_long(handle, CURLOPT_LOW_SPEED_TIME, login.stallSeconds), operation)
            try checkCurl(ccurl_setopt_string(handle, CURLOPT_USERNAME, login.user), operation)
            try checkCurl(ccurl_setopt_long(handle, CURLOPT_SSH_AUTH_TYPES, Int(CURLSSH_AUTH_PUBLICKEY)), operation)
            try checkCurl(ccurl_setopt_string(handle, CURLOPT_SSH_PRIVATE_KEYFILE, login.privateKeyFile), operation)
            // Empty: libssh2 derives the public key from the private one.
            try checkCurl(ccurl_setopt_string(handle, CURLOPT_SSH_PUBLIC_KEYFILE, ""), operation)
            if let passphrase = login.passphrase { try checkCurl(ccurl_setopt_string(handle, CURLOPT_KEYPASSWD, passphrase), operation) }
            try checkCurl(ccurl_setopt_string(handle, CURLOPT_SSH_KNOWNHOSTS, login.knownHostsFile), operation)
            try checkCurl(ccurl_require_known_host(handle, hostKeyMatch), operation)
            let box = Unmanaged.passUnretained(state).toOpaque()
            try checkCurl(ccurl_setopt_write(handle, httpWriteCallback), operation)
            try checkCurl(ccurl_setopt_pointer(handle, CURLOPT_WRITEDATA, box), operation)
            try configure(operation)
            var list: UnsafeMutablePointer<curl_slist>?
            defer { curl_slist_free_all(list) }
            if let (option, lines) = commands() {
                for line in lines { list = curl_slist_append(list, line) }
                try checkCurl(ccurl_setopt_slist(handle, option, list), operation)
            }
            let code = curl_easy_perform(handle)
            if let error = state.error { throw error }
            if code == CURLE_PEER_FAILED_VERIFICATION, hostKeyMatch.pointee >= 0 {
                let found = hostKeyMatch.pointee == Int32(CURLKHMATCH_MISMATCH.rawValue)
                    ? "the server's host key does NOT match the one \(login.knownHostsFile) holds for it (a different server, or its key changed)"
                    : "\(login.knownHostsFile) holds no host key for this server"
                throw HTTPError(code: Int32(code.rawValue), message: found, operation: operation)
            }
            try checkCurl(code, operation, detail: String(cString: buffer.baseAddress!))
        }
    }
}

/// Collects a small reply (a directory listing) in memory.
final class CollectingSink: ByteSink {
    var bytes: [UInt8] = []
    func write(_ chunk: UnsafeRawBufferPointer) throws { bytes.append(contentsOf: chunk) }
}
