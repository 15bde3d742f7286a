import Foundation

/// What a set can hold. Each is one artifact in the set.
public enum Component: String, Codable, Sendable, CaseIterable, Comparable {
    case files
    case config

    public static func < (a: Component, b: Component) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }

    /// Parses `files,config`, naming the bad item and the valid ones.
    public static func parseList(_ text: String) throws -> [Component] {
        var result: [Component] = []
        for item in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !item.isEmpty {
            guard let component = Component(rawValue: item.lowercased()) else {
                throw LifeboatError.usage("unknown component '\(item)'", hint: "valid components: \(allCases.map(\.rawValue).joined(separator: ", "))")
            }
            if !result.contains(component) { result.append(component) }
        }
        if result.isEmpty { throw LifeboatError.usage("--components is empty", hint: "name at least one of \(allCases.map(\.rawValue).joined(separator: ", "))") }
        return result.sorted()
    }
}
