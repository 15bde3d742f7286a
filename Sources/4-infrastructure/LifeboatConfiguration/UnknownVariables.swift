import Foundation

/// Environment variables that look like Lifeboat's but are not: a
/// misspelt `MONGO_URL` must not silently drop the database from the
/// backups. A name with one of the prefixes Lifeboat reads that is within
/// two edits of a known name is a likely typo (an error for `backup`,
/// `serve` and `config`, a warning elsewhere); any other name with such a
/// prefix is only a warning; names other tools own (the AWS SDK's, the
/// official images') are left alone.
public enum UnknownVariables {
    public struct Finding: Sendable, Equatable {
        public let name: String
        /// The known name it is probably a misspelling of.
        public let nearest: String?
        /// A target's variable whose target is not in TARGETS: that copy
        /// would silently not be made.
        public var unlistedTarget: String? = nil
        public var isLikelyTypo: Bool { nearest != nil || unlistedTarget != nil }

        public var message: String {
            if unlistedTarget != nil || nearest != nil { return "\(name) \(problem)" }
            return "\(name) is set but is not a Lifeboat setting (`lifeboat config` lists them); it is ignored"
        }

        /// The message after the variable's name, as a configuration problem.
        public var problem: String {
            if let unlistedTarget {
                return "belongs to a target '\(unlistedTarget)' that TARGETS does not list, so no copy would be made there; add \(unlistedTarget) to TARGETS, or unset it"
            }
            return "is not read by Lifeboat; did you mean \(nearest ?? "?")? (rename it, or unset it)"
        }
    }

    /// Prefixes of the variables Lifeboat reads, derived from the table.
    public static func prefixes(_ specs: [VariableSpec]) -> Set<String> {
        var result: Set<String> = ["UPLOAD"]
        for spec in specs {
            if let underscore = spec.name.firstIndex(of: "_") { result.insert(String(spec.name[...underscore])) }
        }
        result.remove("LOG_")
        return result
    }

    /// Names other software reads from the same environment (the AWS SDKs
    /// and CLI, the official mongo and redis images, Docker and Compose).
    static let foreign: Set<String> = [
        "AWS_PROFILE", "AWS_DEFAULT_OUTPUT", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE", "AWS_CA_BUNDLE",
        "AWS_ROLE_ARN", "AWS_ROLE_SESSION_NAME", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_CONTAINER_AUTHORIZATION_TOKEN", "AWS_EC2_METADATA_DISABLED", "AWS_EXECUTION_ENV",
        "AWS_MAX_ATTEMPTS", "AWS_RETRY_MODE", "AWS_STS_REGIONAL_ENDPOINTS", "AWS_USE_FIPS_ENDPOINT", "AWS_USE_DUALSTACK_ENDPOINT",
        "AWS_ENDPOINT_URL_S3", "AWS_PAGER", "AWS_SDK_LOAD_CONFIG", "AWS_REQUEST_CHECKSUM_CALCULATION", "AWS_RESPONSE_CHECKSUM_VALIDATION",
        "AWS_ACCOUNT_ID", "AWS_SECURITY_TOKEN", "AWS_METADATA_SERVICE_TIMEOUT", "AWS_METADATA_SERVICE_NUM_ATTEMPTS",
        "MONGO_INITDB_ROOT_USERNAME", "MONGO_INITDB_ROOT_PASSWORD", "MONGO_INITDB_DATABASE", "MONGO_INITDB_ROOT_USERNAME_FILE",
        "MONGO_INITDB_ROOT_PASSWORD_FILE", "MONGO_VERSION", "MONGO_MAJOR", "MONGO_PACKAGE", "MONGO_REPO",
        "REDIS_VERSION", "REDIS_DOWNLOAD_URL", "REDIS_DOWNLOAD_SHA", "REDIS_PASSWORD", "REDIS_ARGS",
        "COMPOSE_FILE", "COMPOSE_PROFILES", "COMPOSE_PATH_SEPARATOR", "COMPOSE_HTTP_TIMEOUT", "COMPOSE_PARALLEL_LIMIT",
        "DOCKER_CONFIG", "DOCKER_CERT_PATH", "DOCKER_TLS_VERIFY", "DOCKER_CONTEXT", "DOCKER_API_VERSION", "DOCKER_BUILDKIT",
    ]

    public static func find(environment: [String: String], specs: [VariableSpec], targets: [String] = []) -> [Finding] {
        let known = Set(specs.flatMap { [$0.name, $0.name + "_FILE"] })
        let ours = prefixes(specs + VariableSpec.perTarget)
        return environment.keys.sorted().compactMap { name -> Finding? in
            guard !known.contains(name), !foreign.contains(name), !name.hasPrefix("LIFEBOAT_TEST_"),
                  ours.contains(where: { name.hasPrefix($0) }) else { return nil }
            if let target = unlistedTarget(name, targets: targets) {
                return Finding(name: name, nearest: nil, unlistedTarget: target)
            }
            return Finding(name: name, nearest: nearest(to: name, in: known.sorted()))
        }
    }

    /// `vault` for `TARGET_VAULT_URL` when `vault` is not a target: the
    /// name fits a per-target variable, for a name TARGETS lacks.
    static func unlistedTarget(_ name: String, targets: [String]) -> String? {
        let bare = name.hasSuffix("_FILE") ? String(name.dropLast(5)) : name
        for template in VariableSpec.perTarget.map(\.name) {
            let parts = template.components(separatedBy: VariableSpec.targetPlaceholder)
            guard parts.count == 2, bare.hasPrefix(parts[0]), bare.hasSuffix(parts[1]), bare.count > parts[0].count + parts[1].count else { continue }
            let target = String(bare.dropFirst(parts[0].count).dropLast(parts[1].count)).lowercased()
            if !targets.contains(target), TargetSettings.isValidName(target) { return target }
        }
        return nil
    }

    /// The known name within two edits (and no more than a third of its
    /// length), the closest first.
    static func nearest(to name: String, in names: [String]) -> String? {
        var best: (String, Int)?
        for candidate in names {
            let distance = editDistance(Array(name), Array(candidate))
            guard distance <= 2, distance * 3 <= candidate.count else { continue }
            if best == nil || distance < best!.1 { best = (candidate, distance) }
        }
        return best?.0
    }

    /// Edits (insert, delete, substitute, swap two neighbours) between two names.
    static func editDistance(_ a: [Character], _ b: [Character]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var table = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in 0...a.count { table[i][0] = i }
        for j in 0...b.count { table[0][j] = j }
        for i in 1...a.count {
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                table[i][j] = min(table[i - 1][j] + 1, table[i][j - 1] + 1, table[i - 1][j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    table[i][j] = min(table[i][j], table[i - 2][j - 2] + 1)
                }
            }
        }
        return table[a.count][b.count]
    }
}
