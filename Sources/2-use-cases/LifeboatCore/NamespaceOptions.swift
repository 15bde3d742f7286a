import MongoArchive

/// Builds a MongoDB namespace selection from command-line texts, with
/// errors that name the option.
public enum NamespaceOptions {
    public static func selection(include: [String], exclude: [String], from: [String] = [], to: [String] = []) throws -> NamespaceSelection {
        func patterns(_ texts: [String], _ option: String) throws -> [NamespacePattern] {
            try texts.map { text in
                do { return try NamespacePattern(text) } catch {
                    throw LifeboatError.usage("\(option) '\(text)' is not a namespace pattern", hint: "use db.collection with * as a wildcard, e.g. 'alawael.*'")
                }
            }
        }
        let fromPatterns = try patterns(from, "--ns-from")
        let toPatterns = try patterns(to, "--ns-to")
        guard fromPatterns.count == toPatterns.count else {
            throw LifeboatError.usage("--ns-from and --ns-to come in pairs (\(fromPatterns.count) --ns-from, \(toPatterns.count) --ns-to)")
        }
        for (f, t) in zip(fromPatterns, toPatterns) where f.wildcardCount != t.wildcardCount {
            throw LifeboatError.usage("--ns-from '\(f)' and --ns-to '\(t)' must have the same number of '*'")
        }
        return NamespaceSelection(include: try patterns(include, "--ns"), exclude: try patterns(exclude, "--ns-exclude"),
                                  renames: Array(zip(fromPatterns, toPatterns)))
    }
}
