import Foundation
import NIOConcurrencyHelpers

/// A process a test started: its output goes to a file, and it is stopped with SIGTERM
/// (then SIGKILL if it does not exit in time) so no test leaves one behind.
///
/// Spawned with `posix_spawn` and reaped with `waitpid`, not with Foundation's `Process`:
/// `Process` takes a child's closing of all its descriptors as its exit, and
/// `systemd-socket-activate` does exactly that before it execs the service, after which
/// `Process` blocks its monitor thread in `waitpid` and stops reaping every other child.
public final class ChildProcess: Sendable {
    public let executable: String
    public let arguments: [String]
    /// The file collecting the process's stdout and stderr.
    public let logPath: String
    public let pid: pid_t
    private let exitStatus = NIOLockedValueBox<Int32?>(nil)

    /// Starts `executable` with `arguments`; `environment` entries are added to this
    /// process's own environment.
    public init(_ executable: String, _ arguments: [String], logPath: String, environment: [String: String] = [:]) throws {
        self.executable = executable
        self.arguments = arguments
        self.logPath = logPath
        var merged = ProcessInfo.processInfo.environment
        // A test's own systemd variables must not leak into a service.
        for key in ["LISTEN_FDS", "LISTEN_PID", "LISTEN_FDNAMES", "NOTIFY_SOCKET", "WATCHDOG_USEC", "JOURNAL_STREAM"] {
            merged[key] = nil
        }
        merged.merge(environment) { _, new in new }
        pid = try Self.spawn(executable, arguments, environment: merged, stdout: logPath, stderr: logPath)
        SandboxScope.current?.adopt(self)
    }

    /// A test that fails before it stops its processes must not leave them running (a
    /// socket-activated service would otherwise outlive the test run).
    deinit {
        if isRunning {
            kill(pid, SIGKILL)
            var raw: Int32 = 0
            waitpid(pid, &raw, 0)
        }
    }

    public var isRunning: Bool { status == nil }

    /// The exit status once the process has ended (128 + signal when killed).
    public var status: Int32? {
        exitStatus.withLockedValue { cached in
            if let cached { return cached }
            var raw: Int32 = 0
            guard waitpid(pid, &raw, WNOHANG) == pid else { return nil }
            let signal = raw & 0x7F
            cached = signal == 0 ? (raw >> 8) & 0xFF : 128 + signal
            return cached
        }
    }

    /// What the process has logged so far.
    public var log: String {
        (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
    }

    public func signal(_ signal: Int32) {
        if isRunning { kill(pid, signal) }
    }

    /// Stops the process (SIGSTOP) and returns once every thread of it is stopped: `kill`
    /// returns before the stop takes effect, and a thread running meanwhile could still
    /// answer what a test sends next.
    public func stop() async throws {
        signal(SIGSTOP)
        try await waitUntil("\(executable) to be stopped", timeout: .seconds(10)) { threadStates.allSatisfy { $0 == "T" } }
    }

    /// Lets a stopped process go on (SIGCONT).
    public func resume() { signal(SIGCONT) }

    /// Each thread's state letter from `/proc/<pid>/task/*/stat` (`T` when stopped, `R`
    /// running, `S` sleeping), to say in a failure whether the process was stopped.
    public var threadStates: [String] {
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")) ?? []
        return tasks.compactMap { task in
            // `pid (name) S …`: the state follows the last ')', as a name may hold one.
            guard let stat = try? String(contentsOfFile: "/proc/\(pid)/task/\(task)/stat", encoding: .utf8),
                let close = stat.lastIndex(of: ")")
            else { return nil }
            return stat[stat.index(after: close)...].split(separator: " ").first.map(String.init)
        }
    }

    /// Waits for the process to exit by itself and returns its status.
    public func waitForExit(timeout: Duration = .seconds(10)) async throws -> Int32 {
        do {
            try await waitUntil("\(executable) to exit", timeout: timeout) { !isRunning }
        } catch {
            throw TimedOut(what: "\(executable) (pid \(pid)) to exit; its log ends:\n\(log.suffix(3000))")
        }
        return status ?? -1
    }

    /// SIGTERM, then the exit status; SIGKILL if it does not exit within `timeout`.
    @discardableResult
    public func terminate(timeout: Duration = .seconds(10)) async throws -> Int32 {
        if let status { return status }
        signal(SIGTERM)
        do {
            return try await waitForExit(timeout: timeout)
        } catch {
            signal(SIGKILL)
            throw error
        }
    }

    /// Starts `executable` on a terminal: its standard input, output and error all the
    /// pseudo-terminal at `terminal` (`PseudoTerminal.path`).
    public convenience init(_ executable: String, _ arguments: [String], terminal: String, environment: [String: String] = [:]) throws {
        try self.init(executable, arguments, logPath: terminal, environment: environment, stdout: terminal, stdin: terminal)
    }

    /// Runs a command to completion and returns its exit status and output; `input`, if
    /// given, is its standard input.
    public static func run(
        _ executable: String, _ arguments: [String], environment: [String: String] = [:], input: String? = nil,
        timeout: Duration = .seconds(30)
    ) async throws -> (status: Int32, stdout: String, stderr: String) {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        try (input ?? "").write(toFile: folder.file("stdin"), atomically: true, encoding: .utf8)
        let child = try ChildProcess(
            executable, arguments, logPath: folder.file("stderr"), environment: environment, stdout: folder.file("stdout"),
            stdin: folder.file("stdin"))
        let status = try await child.waitForExit(timeout: timeout)
        let read = { (name: String) in (try? String(contentsOfFile: folder.file(name), encoding: .utf8)) ?? "" }
        return (status, read("stdout"), read("stderr"))
    }

    private init(
        _ executable: String, _ arguments: [String], logPath: String, environment: [String: String], stdout: String,
        stdin: String
    ) throws {
        self.executable = executable
        self.arguments = arguments
        self.logPath = logPath
        let merged = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        pid = try Self.spawn(executable, arguments, environment: merged, stdin: stdin, stdout: stdout, stderr: logPath)
        SandboxScope.current?.adopt(self)
    }

    /// glibc's `posix_spawn_file_actions_addclosefrom_np` (2.34), which Glibc's Swift
    /// module does not import, looked up once.
    private static let addCloseFrom: @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32 = {
        guard let symbol = dlsym(dlopen(nil, RTLD_NOW), "posix_spawn_file_actions_addclosefrom_np") else {
            fatalError("glibc 2.34 or later is needed: posix_spawn_file_actions_addclosefrom_np is missing")
        }
        return unsafeBitCast(symbol, to: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32).self)
    }()

    private static func spawn(
        _ executable: String, _ arguments: [String], environment: [String: String], stdin: String = "/dev/null",
        stdout: String, stderr: String
    ) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, stdin, O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdout, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        if stderr == stdout {
            posix_spawn_file_actions_adddup2(&actions, 1, 2)
        } else {
            posix_spawn_file_actions_addopen(&actions, 2, stderr, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        }
        // Nothing else of the test process: NIO opens its sockets without close-on-exec,
        // so a child spawned while another test holds a connection open would inherit it
        // and keep it open after that test closes it; the service at the other end would
        // then never see the close (CI saw billing's idle exit wait on one such copy).
        guard Self.addCloseFrom(&actions, 3) == 0 else { throw POSIXError(.EINVAL) }
        // Children start with default signal handling and nothing blocked, whatever the
        // test process has set up.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t()
        sigemptyset(&none)
        posix_spawnattr_setsigmask(&attributes, &none)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGTERM, SIGINT, SIGPIPE, SIGCHLD] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        guard result == 0 else { throw POSIXError(POSIXErrorCode(rawValue: result) ?? .EIO) }
        return pid
    }
}
