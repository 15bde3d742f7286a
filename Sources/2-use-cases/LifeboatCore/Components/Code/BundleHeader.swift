/// The text header of a git bundle (`# v2 git bundle`, then prerequisite
/// lines `-<sha>` and ref lines `<sha> <refname>`, then an empty line),
/// read from the first bytes of the stream as they pass by.
struct BundleHeader {
    /// A bundle whose header is longer than this is not one Lifeboat wrote.
    static let limit = 64 << 20

    private(set) var signature: String?
    private(set) var refs: [(sha: String, name: String)] = []
    private(set) var prerequisites = 0
    private(set) var complete = false
    private(set) var problem: String?
    private var line: [UInt8] = []
    private var read = 0

    var head: String? { refs.first { $0.name == "HEAD" }?.sha }

    mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard !complete, problem == nil else { return }
        for byte in bytes {
            read += 1
            guard read <= Self.limit else { problem = "no end of the bundle header in its first \(Self.limit >> 20) MiB"; return }
            guard byte == 0x0A else { line.append(byte); continue }
            let text = String(decoding: line, as: UTF8.self)
            line.removeAll(keepingCapacity: true)
            if signature == nil {
                guard text == "# v2 git bundle" || text == "# v3 git bundle" else { problem = "not a git bundle (it begins '\(text.prefix(40))')"; return }
                signature = text
            } else if text.isEmpty {
                complete = true
                return
            } else if text.hasPrefix("-") {
                prerequisites += 1
            } else if text.hasPrefix("@") {
                continue // v3 capabilities
            } else {
                let parts = text.split(separator: " ", maxSplits: 1)
                guard parts.count == 2, parts[0].count >= 40 else { problem = "a header line is not '<sha> <ref>': '\(text.prefix(80))'"; return }
                refs.append((String(parts[0]), String(parts[1])))
            }
        }
    }
}
