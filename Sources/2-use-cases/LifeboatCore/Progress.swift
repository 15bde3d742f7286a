import ByteStreams
import Foundation

/// How far long work has got: the current phase (a component) and its
/// bytes. Written by the pipeline, read by the terminal display.
public final class ProgressMeter: @unchecked Sendable {
    // @unchecked Sendable: every field is read and written under `lock`.
    private let lock = NSLock()
    private var phase = ""
    private var bytes: UInt64 = 0
    private var phaseStarted = Date()
    public let started = Date()

    public init() {}

    public func begin(_ phase: String) {
        lock.lock()
        self.phase = phase
        bytes = 0
        phaseStarted = Date()
        lock.unlock()
    }

    public func add(_ count: Int) {
        lock.lock()
        bytes += UInt64(count)
        lock.unlock()
    }

    public var snapshot: (phase: String, bytes: UInt64, phaseSeconds: Double, totalSeconds: Double) {
        lock.lock()
        defer { lock.unlock() }
        return (phase, bytes, Date().timeIntervalSince(phaseStarted), Date().timeIntervalSince(started))
    }
}

/// Counts bytes written through it into a meter.
final class ProgressSink: ByteSink {
    private let next: any ByteSink
    private let meter: ProgressMeter

    init(_ next: any ByteSink, meter: ProgressMeter) {
        self.next = next
        self.meter = meter
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        try next.write(bytes)
        meter.add(bytes.count)
    }
}

/// Counts bytes read through it into a meter.
final class ProgressSource: ByteSource {
    private let upstream: any ByteSource
    private let meter: ProgressMeter

    init(_ upstream: any ByteSource, meter: ProgressMeter) {
        self.upstream = upstream
        self.meter = meter
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        let n = try upstream.read(into: buffer)
        meter.add(n)
        return n
    }
}

/// One status line on a terminal, redrawn twice a second:
/// `files: 412.0 MiB, 96.3 MiB/s, 0:04 (total 0:09)`.
public final class ProgressDisplay: @unchecked Sendable {
    // @unchecked Sendable: `running` is guarded by `condition`.
    private let meter: ProgressMeter
    private let condition = NSCondition()
    private var running = true
    private var thread: Thread?

    public init(meter: ProgressMeter) { self.meter = meter }

    /// Whether standard error is a terminal (progress is drawn only there).
    public static var available: Bool { isatty(2) == 1 }

    /// Clears the status line (before a log line, and at the end).
    public static let clearLine = "\r\u{1B}[2K"

    public func start() {
        let thread = Thread { [self] in
            condition.lock()
            while running {
                condition.unlock()
                draw()
                condition.lock()
                _ = condition.wait(until: Date().addingTimeInterval(0.5))
            }
            condition.unlock()
            FileHandle.standardError.write(Data(Self.clearLine.utf8))
        }
        thread.name = "lifeboat-progress"
        self.thread = thread
        thread.start()
    }

    public func stop() {
        condition.lock()
        running = false
        condition.broadcast()
        condition.unlock()
        Thread.sleep(forTimeInterval: 0.05)
    }

    private func draw() {
        let s = meter.snapshot
        guard !s.phase.isEmpty else { return }
        let mib = Double(s.bytes) / 1_048_576
        let rate = s.phaseSeconds > 0.2 ? String(format: ", %.1f MiB/s", mib / s.phaseSeconds) : ""
        let line = String(format: "%@: %.1f MiB%@, %@ (total %@)", s.phase, mib, rate, Self.clock(s.phaseSeconds), Self.clock(s.totalSeconds))
        FileHandle.standardError.write(Data((Self.clearLine + line).utf8))
    }

    static func clock(_ seconds: Double) -> String {
        let s = Int(seconds)
        return s >= 3600 ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String(format: "%d:%02d", s / 60, s % 60)
    }
}

extension Console {
    /// The CLI's console: standard error, with a progress line on a
    /// terminal unless LIFEBOAT_PROGRESS=off (`settings.showProgress`).
    public static func terminal(progress: Bool) -> Console {
        guard progress && ProgressDisplay.available else { return .standardError }
        var console = Console(
            info: { FileHandle.standardError.write(Data((ProgressDisplay.clearLine + $0 + "\n").utf8)) },
            warn: { FileHandle.standardError.write(Data((ProgressDisplay.clearLine + "warning: " + $0 + "\n").utf8)) })
        console.meter = ProgressMeter()
        return console
    }

    /// Runs `body` with the progress line drawn (when the console has a meter).
    public func withProgress<T>(_ body: () throws -> T) rethrows -> T {
        guard let meter else { return try body() }
        let display = ProgressDisplay(meter: meter)
        display.start()
        defer { display.stop() }
        return try body()
    }
}
