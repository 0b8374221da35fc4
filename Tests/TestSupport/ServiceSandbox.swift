import Foundation
import JSONRPC
import JSONRPCTransport
import ServiceContract
import Testing

/// A private installation for one test: its own runtime, state and spool folders and test
/// clock, and helpers to start the real service executables in it.
public final class ServiceSandbox: Sendable {
    public let root: TemporaryDirectory
    public var runtimeDirectory: String { root.file("run") }
    public var spoolDirectory: String { root.file("spool") }
    public var clockFile: String { root.file("clock") }

    /// The services a sandbox has a state folder for.
    public static let services = ServiceName.allCases.map(\.rawValue)

    /// Where the services that can keep their state in PostgreSQL (`postgresServices`)
    /// keep it in this sandbox: their SQLite files, or a fresh database of the tests'
    /// PostgreSQL cluster (`make(now:engine:)`), each in its own schema.
    public let engine: StorageEngine
    /// The services a PostgreSQL sandbox starts on PostgreSQL; the others keep SQLite.
    public static let postgresServices: Set<String> = ["auth", "billing", "lines", "linking", "registration"]
    /// The connection string's file, when the sandbox has a PostgreSQL database.
    let postgresURLFile: String?
    /// Where the services' keys are (`<service>/pepper` in it): this sandbox's root, or
    /// that of the sandbox whose database it shares.
    let keyFolder: TemporaryDirectory
    /// The sandbox's PostgreSQL database, when it has one.
    public let postgresDatabase: String?

    /// A sandbox whose `postgresServices` keep their state on `engine`.
    public static func make(now: String = "2026-11-21T12:00:00+09:00", engine: StorageEngine) async throws -> ServiceSandbox {
        switch engine {
        case .sqlite: try ServiceSandbox(now: now)
        case .postgres: try ServiceSandbox(now: now, postgresURL: try await PostgresCluster.shared().freshDatabase())
        }
    }

    /// A sandbox on SQLite, or on the PostgreSQL database `postgresURL` names. Only in a
    /// test with the `.sandboxed` trait, whose scope stops, scans and removes it.
    public init(now: String = "2026-11-21T12:00:00+09:00", postgresURL: String? = nil) throws {
        guard let scope = SandboxScope.current else { throw NotSandboxed() }
        root = try Self.makeRoot()
        if let postgresURL {
            let urlFile = root.file("database-url")
            try Data(postgresURL.utf8).write(to: URL(fileURLWithPath: urlFile))
            // Every host of a service uses the same key, so none is made by the service.
            for service in Self.postgresServices {
                try Data((0..<32).map { _ in UInt8.random(in: 0...255) }).write(to: URL(fileURLWithPath: root.file("\(service)/pepper")))
            }
            engine = .postgres
            postgresURLFile = urlFile
            postgresDatabase = URLComponents(string: postgresURL).map { String($0.path.dropFirst()) }
        } else {
            engine = .sqlite
            postgresURLFile = nil
            postgresDatabase = nil
        }
        keyFolder = root
        scope.adopt(self)
        try setClock(now)
    }

    /// A second "host" of `other`'s PostgreSQL database: its own runtime, state and spool
    /// folders and clock, the same database and the same keys (every host of a fleet
    /// starts with the same key).
    public init(sharingDatabaseOf other: ServiceSandbox, now: String = "2026-11-21T12:00:00+09:00") throws {
        precondition(other.engine == .postgres, "only a PostgreSQL sandbox's database can be shared")
        guard let scope = SandboxScope.current else { throw NotSandboxed() }
        root = try Self.makeRoot()
        engine = .postgres
        postgresURLFile = other.postgresURLFile
        postgresDatabase = other.postgresDatabase
        keyFolder = other.root
        scope.adopt(self)
        try setClock(now)
    }

    /// A new sandbox folder with its runtime folder and a state folder per service: a
    /// service never creates its state folder; systemd's StateDirectory= does, and so does
    /// the sandbox.
    private static func makeRoot() throws -> TemporaryDirectory {
        let root = try TemporaryDirectory()
        try FileManager.default.createDirectory(atPath: root.file("run"), withIntermediateDirectories: true)
        for service in services {
            try FileManager.default.createDirectory(
                atPath: root.file(service), withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
        }
        return root
    }

    /// Moves the test clock: written to a temporary file and renamed, so a service never
    /// reads half an instant.
    public func setClock(_ instant: String) throws {
        let temporary = clockFile + ".new"
        try Data(instant.utf8).write(to: URL(fileURLWithPath: temporary))
        _ = rename(temporary, clockFile)
    }

    public func socketPath(_ service: String) -> String { runtimeDirectory + "/" + service + ".sock" }

    /// The flags every service in the sandbox gets. Calls between services may take 10 s
    /// rather than 2: debug builds hashing on two cores under four test workers can pass
    /// 2 s; a test of the budget itself gives `--peer-timeout 2` (the last one given is
    /// taken).
    public func serviceArguments(_ service: String) -> [String] {
        [
            "--runtime-dir", runtimeDirectory, "--state-dir", root.file(service), "--spool-dir", spoolDirectory,
            "--clock-file", clockFile, "--peer-timeout", "10",
        ] + storageArguments(service)
    }

    /// `--database postgres`, the connection string's file and the service's keys (each
    /// `pepper` and `pepper.N` in `<keyFolder>/<service>`, as they are when it starts),
    /// for a service of `postgresServices` in a PostgreSQL sandbox; nothing otherwise.
    func storageArguments(_ service: String) -> [String] {
        guard let postgresURLFile, Self.postgresServices.contains(service) else { return [] }
        let keys = ((try? FileManager.default.contentsOfDirectory(atPath: keyFolder.file(service))) ?? [])
            .filter { $0 == "pepper" || $0.hasPrefix("pepper.") }.sorted()
        return ["--database", "postgres", "--database-url-file", postgresURLFile]
            + keys.flatMap { ["--secret-file", keyFolder.file("\(service)/\($0)")] }
    }

    /// Adds server key `version` (32 random bytes) for `service`, where its next start
    /// finds it: `pepper.N` beside its first key (the state folder; on PostgreSQL, the
    /// key folder every host names).
    public func addKey(_ service: String, version: Int) throws {
        let file = keyFolder.file("\(service)/pepper.\(version)")
        try Data((0..<32).map { _ in UInt8.random(in: 0...255) }).write(to: URL(fileURLWithPath: file))
    }

    /// The file of `service`'s key `version` (`pepper` for 1).
    public func keyFile(_ service: String, version: Int) -> String {
        keyFolder.file("\(service)/pepper" + (version == 1 ? "" : ".\(version)"))
    }

    /// Kills `process` (SIGKILL: it writes nothing more), waits for it to end, and starts
    /// `service` again by activation with `extraArguments`: a crash and a restart.
    public func restartKilled(_ process: ChildProcess, as service: String, extraArguments: [String] = []) async throws -> ChildProcess {
        process.signal(SIGKILL)
        _ = try await process.waitForExit()
        return try await startActivated(service, extraArguments: extraArguments)
    }

    /// Starts `madoguchi-<service>` under `systemd-socket-activate`, listening on its socket
    /// in the runtime folder; the service itself starts on the first connection.
    public func startActivated(
        _ service: String, extraArguments: [String] = [], environment: [String: String] = [:]
    ) async throws -> ChildProcess {
        let socket = socketPath(service)
        let child = try ChildProcess(
            "/usr/bin/systemd-socket-activate",
            ["-l", socket, "--fdname=\(service)"] + environment.keys.sorted().map { "-E\($0)=\(environment[$0]!)" }
                + [Executables.path("madoguchi-\(service)")] + serviceArguments(service) + extraArguments,
            logPath: root.file("\(service).log"))
        try await waitUntil("\(socket) to listen") {
            guard child.isRunning else { throw ChildExited(log: child.log) }
            return try Self.isListening(socket)
        }
        return child
    }

    /// Whether a socket listens on `path`, asked of the kernel without connecting: a
    /// connection would start a socket-activated service.
    static func isListening(_ path: String) throws -> Bool {
        try FileManager.default.fileExists(atPath: path) && ListeningUnixSockets.contains(path)
    }

    /// Starts `madoguchi-<service>` binding its own socket and, unless told not to, waits
    /// until it says it is ready: `READY=1` on a notify socket of the test's own, which the
    /// service sends once its socket accepts, as systemd would hear it (at most 30 s; a
    /// process that exits first fails at once with its log). A caller that brings its own
    /// `NOTIFY_SOCKET` gets a wait for a connection instead.
    public func startBound(
        _ service: String, socket: String? = nil, extraArguments: [String] = [], environment: [String: String] = [:],
        waitForSocket: Bool = true
    ) async throws -> ChildProcess {
        let path = socket ?? socketPath(service)
        let id = UUID().uuidString.prefix(8)
        var environment = environment
        let notify = waitForSocket && environment["NOTIFY_SOCKET"] == nil ? try NotifySocket(path: root.file("notify-\(id).sock")) : nil
        if let notify { environment["NOTIFY_SOCKET"] = notify.path }
        let child = try ChildProcess(
            Executables.path("madoguchi-\(service)"),
            serviceArguments(service) + ["--socket", path] + extraArguments,
            logPath: root.file("\(service)-bound-\(id).log"), environment: environment)
        if let notify {
            try await waitUntil("\(service) to send READY=1") {
                guard child.isRunning else { throw ChildExited(log: child.log) }
                return notify.pending().contains { $0.split(separator: "\n").contains("READY=1") }
            }
        } else if waitForSocket {
            try await waitUntil("\(path) to accept connections") {
                guard child.isRunning else { throw ChildExited(log: child.log) }
                return (try? RawSocket(path: path)) != nil
            }
        }
        return child
    }

    /// What auth stored, as bytes to search, by where it is: each file of its state folder
    /// (SQLite), or a `pg_dump` of its database (PostgreSQL).
    public func authStorage() async throws -> [String: Data] {
        if let postgresDatabase {
            return ["pg_dump": Data(try await PostgresCluster.shared().dump(database: postgresDatabase).utf8)]
        }
        var files: [String: Data] = [:]
        for file in try FileManager.default.contentsOfDirectory(atPath: root.file("auth")) {
            files[file] = try Data(contentsOf: URL(fileURLWithPath: root.file("auth/\(file)")))
        }
        return files
    }

    /// A client connected to the service's socket in the sandbox.
    public func client(_ service: String, timeout: Duration = .seconds(10)) async throws -> RPCClient {
        try await RPCClient.connect(socketPath: socketPath(service), defaultTimeout: timeout)
    }

    /// Runs `madoctl` against the sandbox.
    public func madoctl(_ arguments: [String], input: String? = nil, timeout: Duration = .seconds(30)) async throws
        -> (status: Int32, stdout: String, stderr: String)
    {
        try await ChildProcess.run(
            Executables.path("madoctl"), arguments,
            environment: ["MADOGUCHI_RUNTIME_DIR": runtimeDirectory, "MADOGUCHI_SPOOL_DIR": spoolDirectory],
            input: input, timeout: timeout)
    }

    /// Runs `madoctl` as `nobody` (uid 65534, through `setpriv`; the caller must be root)
    /// against `service`, whose socket and folders are first opened to every user, so that
    /// the method, not the file mode, has to refuse.
    public func madoctlAsNobody(_ service: String, _ arguments: [String]) async throws -> (status: Int32, stdout: String, stderr: String) {
        try await madoctlAs(uid: 65534, service, arguments)
    }

    /// Runs `madoctl` as `uid` (with the same gid and no other groups), as `madoctlAsNobody`.
    public func madoctlAs(uid: UInt32, _ service: String, _ arguments: [String]) async throws
        -> (status: Int32, stdout: String, stderr: String)
    {
        chmod(root.path, 0o755)
        chmod(runtimeDirectory, 0o755)
        chmod(socketPath(service), 0o666)
        // madoctl where nobody can run it, wherever the checkout lives.
        let madoctl = root.file("madoctl")
        if !FileManager.default.fileExists(atPath: madoctl), link(Executables.path("madoctl"), madoctl) != 0 {
            try FileManager.default.copyItem(atPath: Executables.path("madoctl"), toPath: madoctl)
        }
        return try await ChildProcess.run(
            "/usr/bin/setpriv", ["--reuid=\(uid)", "--regid=\(uid)", "--clear-groups", madoctl] + arguments)
    }

    /// Removes the sandbox, first failing the running test if any log or database in it
    /// holds a secret in clear (`SecretsScan`); its scope does, once the test's processes
    /// have stopped.
    func remove() {
        for hit in SecretsScan.hits(in: root.path, spool: spoolDirectory) {
            Issue.record("A secret in clear: \(hit)")
        }
        root.remove()
    }
}

/// A child process exited while a test waited for it to become ready.
public struct ChildExited: Error, CustomStringConvertible {
    public let log: String
    public init(log: String) { self.log = log }
    public var description: String { "the process exited early; its log:\n\(log)" }
}

/// Where a sandbox's services keep their state (`ServiceSandbox.postgresServices` on
/// PostgreSQL, or all on SQLite), for suites that run on both engines.
public enum StorageEngine: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite, postgres
    public var testDescription: String { rawValue }
}
