import Foundation
import NIOConcurrencyHelpers

/// A process a test started: its output goes to a file, and it is stopped with SIGTERM
/// (then SIGKILL if it does not exit in time) so no test leaves one behind.
public final class ChildProcess: Sendable {
    public let executable: String
    public let arguments: [String]
    /// The file collecting the process's stderr (and stdout).
    public let logPath: String
    private let process: NIOLockedValueBox<Process>

    /// Starts `executable` with `arguments`; `environment` entries are added to this
    /// process's own environment (or replace it entirely with `inheritEnvironment: false`).
    public init(
        _ executable: String, _ arguments: [String], logPath: String,
        environment: [String: String] = [:], inheritEnvironment: Bool = true
    ) throws {
        self.executable = executable
        self.arguments = arguments
        self.logPath = logPath
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        var merged = inheritEnvironment ? ProcessInfo.processInfo.environment : [:]
        // A test's own systemd variables must not leak into a service.
        for key in ["LISTEN_FDS", "LISTEN_PID", "LISTEN_FDNAMES", "NOTIFY_SOCKET", "WATCHDOG_USEC", "JOURNAL_STREAM"] {
            merged[key] = nil
        }
        merged.merge(environment) { _, new in new }
        process.environment = merged
        if !FileManager.default.fileExists(atPath: logPath) {
            _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        }
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        try log.seekToEnd()
        process.standardOutput = log
        process.standardError = log
        try process.run()
        self.process = NIOLockedValueBox(process)
    }

    public var pid: Int32 { process.withLockedValue { $0.processIdentifier } }
    public var isRunning: Bool { process.withLockedValue { $0.isRunning } }

    /// What the process has logged so far.
    public var log: String {
        (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
    }

    public func signal(_ signal: Int32) {
        kill(pid, signal)
    }

    /// Waits for the process to exit by itself and returns its status.
    public func waitForExit(timeout: Duration = .seconds(10)) async throws -> Int32 {
        try await waitUntil("\(executable) to exit", timeout: timeout) { !isRunning }
        return process.withLockedValue { $0.terminationStatus }
    }

    /// SIGTERM, then the exit status; SIGKILL if it does not exit within `timeout`.
    @discardableResult
    public func terminate(timeout: Duration = .seconds(10)) async throws -> Int32 {
        guard isRunning else { return process.withLockedValue { $0.terminationStatus } }
        signal(SIGTERM)
        do {
            return try await waitForExit(timeout: timeout)
        } catch {
            signal(SIGKILL)
            throw error
        }
    }

    /// Runs a command to completion and returns its exit status and output.
    public static func run(
        _ executable: String, _ arguments: [String], environment: [String: String] = [:]
    ) throws -> (status: Int32, stdout: String, stderr: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        // stderr goes to a file so that a chatty child never blocks on a full pipe while
        // stdout is read to its end.
        let errorPath = NSTemporaryDirectory() + "/mdg-stderr-" + UUID().uuidString
        _ = FileManager.default.createFile(atPath: errorPath, contents: nil)
        defer { try? FileManager.default.removeItem(atPath: errorPath) }
        let out = Pipe()
        process.standardOutput = out
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errorPath))
        try process.run()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let errData = FileManager.default.contents(atPath: errorPath) ?? Data()
        return (
            process.terminationStatus, String(decoding: outData, as: UTF8.self),
            String(decoding: errData, as: UTF8.self)
        )
    }
}
