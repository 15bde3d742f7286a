import Foundation

/// Checks a command's `--json` output against its schema in docs/schemas
/// (Python's jsonschema, from the test venv). Returns nil when it conforms,
/// the first error otherwise.
public enum JSONSchemaCheck {
    public static func problem(_ output: String, schema name: String) throws -> String? {
        let root = FileManager.default.currentDirectoryPath
        let input = FileManager.default.temporaryDirectory.appendingPathComponent("lifeboat-json-\(UUID().uuidString)")
        try Data(output.utf8).write(to: input)
        defer { try? FileManager.default.removeItem(at: input) }
        let result = try ProcessRunner.shell("cd '\(root)' && .test-servers/venv/bin/python Tests/tools/validate_json.py \(name) < '\(input.path)'")
        return result.status == 0 ? nil : result.output
    }
}
