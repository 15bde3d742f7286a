/// A namespace pattern as mongorestore's `--nsInclude` takes it: `*`
/// matches any run of characters (`alawael.*`, `*.sessions`), `\*` a star.
public struct NamespacePattern: Sendable, Equatable, CustomStringConvertible {
    public let text: String
    private let parts: [Part]

    enum Part: Equatable { case literal(String), wildcard }

    public init(_ text: String) throws {
        self.text = text
        var parts: [Part] = []
        var literal = ""
        var escaped = false
        for character in text {
            if escaped {
                literal.append(character)
                escaped = false
            } else if character == "\\" {
                escaped = true
            } else if character == "*" {
                if !literal.isEmpty { parts.append(.literal(literal)) }
                literal = ""
                parts.append(.wildcard)
            } else {
                literal.append(character)
            }
        }
        if !literal.isEmpty { parts.append(.literal(literal)) }
        guard text.contains(".") || text.contains("*") else {
            throw ArchiveFormatError("namespace pattern '\(text)' needs a database and a collection part, e.g. 'alawael.*'")
        }
        self.parts = parts
    }

    public var description: String { text }

    /// The texts the wildcards matched, or nil when the name does not match.
    public func match(_ name: String) -> [String]? {
        Self.match(Array(name), 0, parts[...])
    }

    public func matches(_ namespace: Namespace) -> Bool { match(namespace.description) != nil }

    private static func match(_ name: [Character], _ position: Int, _ parts: ArraySlice<Part>) -> [String]? {
        guard let first = parts.first else { return position == name.count ? [] : nil }
        switch first {
        case .literal(let text):
            let characters = Array(text)
            guard position + characters.count <= name.count, Array(name[position..<(position + characters.count)]) == characters else { return nil }
            return match(name, position + characters.count, parts.dropFirst())
        case .wildcard:
            for end in stride(from: name.count, through: position, by: -1) {
                if let rest = match(name, end, parts.dropFirst()) { return [String(name[position..<end])] + rest }
            }
            return nil
        }
    }

    /// Fills this pattern's wildcards with `captures`, in order (for `--ns-to`).
    public func substitute(_ captures: [String]) -> String {
        var result = ""
        var next = captures.makeIterator()
        for part in parts {
            switch part {
            case .literal(let text): result += text
            case .wildcard: result += next.next() ?? ""
            }
        }
        return result
    }

    public var wildcardCount: Int { parts.filter { $0 == .wildcard }.count }
}

/// Which namespaces to take and what to call them: `--ns`, `--ns-exclude`,
/// and `--ns-from`/`--ns-to` pairs.
public struct NamespaceSelection: Sendable {
    public var include: [NamespacePattern]
    public var exclude: [NamespacePattern]
    public var renames: [(from: NamespacePattern, to: NamespacePattern)]

    public init(include: [NamespacePattern] = [], exclude: [NamespacePattern] = [], renames: [(from: NamespacePattern, to: NamespacePattern)] = []) {
        self.include = include
        self.exclude = exclude
        self.renames = renames
    }

    /// Renames narrow the selection to what they rename, unless `include`
    /// names more: `--ns-from shop.users --ns-to copy.users` restores that
    /// one collection, never the rest of the set under its own names.
    public func selects(_ namespace: Namespace) -> Bool {
        if exclude.contains(where: { $0.matches(namespace) }) { return false }
        if include.isEmpty && !renames.isEmpty { return renames.contains { $0.from.matches(namespace) } }
        return include.isEmpty || include.contains { $0.matches(namespace) } || renames.contains { $0.from.matches(namespace) }
    }

    /// The namespace after the first matching rename.
    public func target(of namespace: Namespace) -> Namespace {
        for (from, to) in renames {
            if let captures = from.match(namespace.description), let renamed = Namespace(to.substitute(captures)) { return renamed }
        }
        return namespace
    }
}
