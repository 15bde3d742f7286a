import ComposeStack
import LifeboatConfiguration
import DockerEngine
import Foundation

/// The Docker engine: the socket reachable with the service's group, the
/// Compose project and its services, the containers a restore stops, the
/// data services a rebuild starts.
enum DockerCheck {
    static func findings(_ context: DoctorContext) -> [DoctorFinding] {
        let settings = context.settings
        let stack: ComposeStack
        do {
            stack = try ComposeStack(settings)
        } catch let error as DockerError where error.kind == .socketMissing && !settings.docker.hostExplicit {
            return [DoctorFinding("docker", "engine", .notChecked,
                                  "\(error.message): restores cannot stop the containers labelled \(StopDuringRestore.label), and rebuild, drill and the Redis BGSAVE fallback cannot run")]
        } catch {
            let hint = (error as? DockerError)?.hint ?? (error as? LifeboatError)?.hint
            return [DoctorFinding("docker", "engine", .fail, "\(error)", fix: hint ?? "check DOCKER_HOST and the socket's mount")]
        }
        var findings = [DoctorFinding("docker", "engine", .ok, "\(stack.client.socketPath) answers (API \(stack.client.apiVersion)) for uid \(getuid()), groups \(getgroups())")]
        guard let project = stack.project else {
            findings.append(DoctorFinding("docker", "project", .warn, "no Compose project: COMPOSE_PROJECT_NAME is unset and this process is not in a Compose container",
                                          fix: "set COMPOSE_PROJECT_NAME to the stack's project (the folder name of its compose file, by default)"))
            return findings
        }
        do {
            let members = try stack.members()
            let services = Set(members.compactMap { $0.Labels?[ComposeLabel.service] }).sorted()
            findings.append(DoctorFinding("docker", "project", members.isEmpty ? .warn : .ok,
                                          members.isEmpty ? "Compose project \(project) has no containers" : "Compose project \(project): \(services.joined(separator: ", "))",
                                          fix: "is the stack up? (docker compose up -d); COMPOSE_PROJECT_NAME picks the project"))
            let stopped = try stack.stoppedDuringRestore().map(\.name).sorted()
            findings.append(DoctorFinding("docker", "stop during restore", .ok, stopped.isEmpty
                                          ? "no container carries \(StopDuringRestore.label): a restore in place stops nothing (the app keeps writing while data comes back)"
                                          : "a restore in place stops \(stopped.joined(separator: ", ")) and starts them again after"))
            var data: [String] = []
            if settings.mongo.uri != nil { data.append(settings.mongo.service) }
            if settings.redis.url != nil { data.append(settings.redis.service) }
            let missing = data.filter { !services.contains($0) }
            if !data.isEmpty {
                findings.append(DoctorFinding("docker", "data services", missing.isEmpty ? .ok : .warn,
                                              missing.isEmpty ? "the rebuild starts \(data.joined(separator: ", ")) first, restores into them, then the rest"
                                                              : "no service \(missing.joined(separator: ", ")) in project \(project): rebuild and the Redis file restore cannot find them",
                                              fix: "set LIFEBOAT_MONGO_SERVICE / LIFEBOAT_REDIS_SERVICE to the services' names in the compose file"))
            }
        } catch {
            findings.append(DoctorFinding("docker", "project", .fail, "listing the containers failed: \(error)"))
        }
        return findings
    }

    /// The one container of a Compose service, or why there is none (for
    /// the checks whose fallback goes through Docker).
    static func service(_ name: String, _ context: DoctorContext) -> Result<String, any Error> {
        Result { try ComposeStack(context.settings).service(name).name }
    }

    static func getgroups() -> String {
        let count = Glibc.getgroups(0, nil)
        var groups = [gid_t](repeating: 0, count: Int(max(count, 0)))
        let filled = Glibc.getgroups(count, &groups)
        return "[" + groups.prefix(Int(max(filled, 0))).map(String.init).joined(separator: ",") + "]"
    }
}
