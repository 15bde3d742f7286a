import Foundation
import LifeboatCore

/// SIGINT and SIGTERM during a one-shot command: say what was interrupted
/// and what it leaves, undo what can be undone (LifeboatCore's
/// `Interruption`), then exit 130 or 143. `lifeboat serve` does not
/// install this: its ServiceGroup owns the signals and shuts down gracefully.
enum SignalHandlers {
    /// The dispatch sources, kept alive for the process's life.
    nonisolated(unsafe) private static var sources: [any DispatchSourceSignal] = []

    /// Called once, from `Lifeboat.main`, before the command runs.
    static func install() {
        for number in [SIGINT, SIGTERM] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                Interruption.shared.interrupted(by: number == SIGINT ? "SIGINT" : "SIGTERM") { text in
                    FileHandle.standardError.write(Data(("lifeboat: " + text + "\n").utf8))
                }
                exit(128 + number)
            }
            source.resume()
            sources.append(source)
        }
    }
}
