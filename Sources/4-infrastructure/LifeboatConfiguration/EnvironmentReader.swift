import Foundation

/// Where a setting's value came from, for `lifeboat config`.
public enum ValueOrigin: String, Sendable {
    case commandLine = "command line"
    case environment
    case file
    case defaultValue = "default"
    case unset
}

/// One variable as resolved: its raw text and origin.
public struct ResolvedVariable: Sendable {
    public let spec: VariableSpec
    public let value: String?
    public let origin: ValueOrigin
    /// The file it was read from, for `NAME_FILE`.
    public let file: String?

    /// What may be printed: secrets are never shown, only that they are set.
    public var displayValue: String {
        guard let value else { return "(unset)" }
        if spec.isSecret { return "<redacted, \(value.utf8.count) bytes>" }
        return Redaction.redactURLCredentials(in: value)
    }
}

/// Reads variables from an environment dictionary, honouring `NAME_FILE`
/// (Docker secrets) and command-line overrides, and collecting problems
/// instead of stopping at the first.
public struct EnvironmentReader {
    public let environment: [String: String]
    public let overrides: [String: String]
    let readFile: (String) throws -> String

    public init(environment: [String: String], overrides: [String: String] = [:],
                readFile: @escaping (String) throws -> String = EnvironmentReader.readSecretFile) {
        self.environment = environment
        self.overrides = overrides
        self.readFile = readFile
    }

    public static func readSecretFile(_ path: String) throws -> String {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        // Secret files usually end with one newline that is not part of the value.
        if text.hasSuffix("\r\n") { return String(text.dropLast(2)) }
        if text.hasSuffix("\n") { return String(text.dropLast()) }
        return text
    }

    public func resolve(_ spec: VariableSpec, problems: inout [ConfigProblem]) -> ResolvedVariable {
        if let value = overrides[spec.name] {
            return ResolvedVariable(spec: spec, value: value, origin: .commandLine, file: nil)
        }
        let fileVariable = spec.name + "_FILE"
        let direct = environment[spec.name]
        if let path = environment[fileVariable], !path.isEmpty {
            if direct != nil {
                problems.append(ConfigProblem(variable: spec.name, value: nil,
                    message: "both \(spec.name) and \(fileVariable) are set; set only one"))
            }
            do {
                return ResolvedVariable(spec: spec, value: try readFile(path), origin: .file, file: path)
            } catch {
                problems.append(ConfigProblem(variable: fileVariable, value: path,
                    message: "cannot read the file (\(Self.reason(error))); give the path of a readable file holding the value"))
                return ResolvedVariable(spec: spec, value: nil, origin: .unset, file: path)
            }
        }
        if let direct, !direct.isEmpty {
            return ResolvedVariable(spec: spec, value: direct, origin: .environment, file: nil)
        }
        if let fallback = spec.defaultValue {
            return ResolvedVariable(spec: spec, value: fallback, origin: .defaultValue, file: nil)
        }
        return ResolvedVariable(spec: spec, value: nil, origin: .unset, file: nil)
    }

    private static func reason(_ error: any Error) -> String {
        let ns = error as NSError
        if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(underlying.code)))
        }
        return ns.localizedDescription
    }
}
