import Foundation
import Logging
import PostgresNIO
import Synchronization

/// A private PostgreSQL server for the tests: Debian's `postgresql` binaries, a cluster
/// made with `initdb` in a temporary folder, run as the `postgres` system user when the
/// tests run as root (the server refuses root), listening only on a Unix socket in that
/// folder, with trust authentication for its one role `madoguchi`. Started on first use,
/// once per test process; stopped (an immediate shutdown) and removed when the process
/// exits. Each test takes a fresh database of its own (`freshDatabase()`).
public final class PostgresCluster: Sendable {
    /// The cluster of this test process, started on first use.
    public static func shared() async throws -> PostgresCluster {
        let starting = starting.withLock { task in
            if let task { return task }
            let made = Task { try await PostgresCluster() }
            task = made
            return made
        }
        return try await starting.value
    }

    /// A cluster of the caller's alone, for a test that stops the whole server (its
    /// first process included) and must not hang the other tests' databases meanwhile.
    /// Stopped and removed at exit like the shared one.
    public static func own() async throws -> PostgresCluster {
        try await PostgresCluster()
    }

    private static let starting = Mutex<Task<PostgresCluster, any Error>?>(nil)
    private static let running = Mutex<[String]>([])

    /// At exit: each server's immediate shutdown (SIGQUIT to its postmaster, whose pid is
    /// the first line of `postmaster.pid`), then its folder removed.
    private static func stopRunning() {
        for folder in running.withLock({ $0 }) {
            if let text = try? String(contentsOfFile: folder + "/data/postmaster.pid", encoding: .utf8),
                let pid = text.split(separator: "\n").first.flatMap({ pid_t($0) })
            {
                kill(pid, SIGCONT)  // in case a test left it stopped
                kill(pid, SIGQUIT)
                for _ in 0..<100 where kill(pid, 0) == 0 { usleep(20_000) }
            }
            try? FileManager.default.removeItem(atPath: folder)
        }
    }

    /// The server processes serving connections to `database` (to stop one with SIGSTOP
    /// and make a service's calls hang mid-query, leaving the cluster's other tests be).
    public func backends(of database: String) async throws -> [pid_t] {
        try await withClient(database: "postgres") { admin in
            var pids: [pid_t] = []
            for try await pid in try await admin.query(
                "SELECT pid FROM pg_stat_activity WHERE datname = \(database) AND backend_type = 'client backend'"
            ).decode(Int32.self) {
                pids.append(pid)
            }
            return pids
        }
    }

    /// The rows of `database` as `pg_dump --data-only` writes them (bytea as hex), for
    /// scanning what a service stored for secrets in clear.
    public func dump(database: String) async throws -> String {
        let (status, output, errors) = try await ChildProcess.run(
            binaries + "/pg_dump", ["--data-only", "--host", folder, "--username", "madoguchi", database])
        guard status == 0 else { throw Failure("pg_dump exited \(status): \(errors)") }
        return output
    }

    /// The server's first process, which accepts connections and starts a process for
    /// each (the first line of `postmaster.pid`).
    public var postmaster: pid_t? {
        (try? String(contentsOfFile: folder + "/data/postmaster.pid", encoding: .utf8))?
            .split(separator: "\n").first.flatMap { pid_t($0) }
    }

    /// Stops the whole server with SIGSTOP, for a cluster of the test's own (`own()`): its
    /// first process first, and only once it has stopped every process it started, so that
    /// none starts unseen in between. Listing a database's backends and stopping the first
    /// process last missed one still starting up (a CI run saw it serve a check); here a
    /// connection old or new finds no process to answer it. Returns the stopped processes
    /// for `resume(_:)`.
    public func stopEveryProcess() throws -> [pid_t] {
        guard let postmaster else { throw Failure("no postmaster.pid in \(folder)") }
        guard kill(postmaster, SIGSTOP) == 0 else { throw Failure("cannot stop the server (\(errno))") }
        // kill only queues the signal: a fork under way completes before the process stops.
        for _ in 0..<5_000 where Self.state(of: postmaster) != "T" { usleep(1_000) }
        guard Self.state(of: postmaster) == "T" else { throw Failure("the server did not stop within 5 s") }
        let started = Self.children(of: postmaster)
        for child in started { kill(child, SIGSTOP) }
        return [postmaster] + started
    }

    /// Lets the processes `stopEveryProcess()` stopped run again.
    public func resume(_ stopped: [pid_t]) {
        for process in stopped { kill(process, SIGCONT) }
    }

    /// A process's state letter from `/proc/<pid>/stat` ("T" when stopped).
    private static func state(of process: pid_t) -> Substring? {
        stat(of: process)?.first
    }

    /// The processes whose parent is `process`, from every `/proc/<pid>/stat`.
    private static func children(of process: pid_t) -> [pid_t] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { pid_t($0) }.filter { stat(of: $0).map { $0.count > 1 && $0[1] == "\(process)" } ?? false }
    }

    /// The fields of `/proc/<pid>/stat` after the command name (state, parent, …); the
    /// name is skipped up to its last ")" since it may hold spaces or brackets.
    private static func stat(of process: pid_t) -> [Substring]? {
        guard let text = try? String(contentsOfFile: "/proc/\(process)/stat", encoding: .utf8),
            let end = text.lastIndex(of: ")")
        else { return nil }
        return text[text.index(after: end)...].split(separator: " ")
    }

    /// The folder holding the data directory, the socket and the server's log.
    public let folder: String
    /// The server's socket.
    public var socketPath: String { folder + "/.s.PGSQL.5432" }
    private let binaries: String
    private let serverUser: String?
    private let databases = Atomic<Int>(0)

    private init() async throws {
        binaries = try Self.findBinaries()
        serverUser = getuid() == 0 ? "postgres" : nil
        var template = Array("/tmp/mdg-pg-XXXXXX".utf8CString)
        guard let created = mkdtemp(&template) else { throw Failure("cannot make a folder for PostgreSQL") }
        folder = String(cString: created)
        if let serverUser {
            guard let account = getpwnam(serverUser) else {
                throw Failure("no \(serverUser) user: install Debian's postgresql package (compose/install-deps)")
            }
            chown(folder, account.pointee.pw_uid, account.pointee.pw_gid)
        }
        try await run(binaries + "/initdb", ["-D", folder + "/data", "-U", "madoguchi", "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync"])
        try await run(
            binaries + "/pg_ctl",
            [
                "-D", folder + "/data", "-l", folder + "/server.log", "-w", "-o",
                "-k \(folder) -c listen_addresses='' -c max_connections=300", "start",
            ])
        let first = Self.running.withLock { [folder] running in
            running.append(folder)
            return running.count == 1
        }
        if first { atexit { PostgresCluster.stopRunning() } }
    }

    /// A new, empty database, and the connection string of it.
    public func freshDatabase() async throws -> String {
        let name = "test_\(getpid())_\(databases.wrappingAdd(1, ordering: .relaxed).newValue)"
        try await withClient(database: "postgres") { client in
            try await client.query("CREATE DATABASE \(unescaped: name)")
        }
        return "postgresql://madoguchi@/\(name)?host=\(folder)"
    }

    /// Runs `body` with a client of `database` (its pool running meanwhile).
    @discardableResult
    public func withClient<T: Sendable>(database: String, _ body: (PostgresClient) async throws -> T) async throws -> T {
        try await Self.withClient(
            .init(unixSocketPath: socketPath, username: "madoguchi", password: nil, database: database),
            logger: Logger(label: "test-postgres"), body)
    }

    /// Runs `body` with a client made from `configuration`, its pool running meanwhile and
    /// stopped after.
    @discardableResult
    public static func withClient<T: Sendable>(
        _ configuration: PostgresClient.Configuration, logger: Logger, _ body: (PostgresClient) async throws -> T
    ) async throws -> T {
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            return try await body(client)
        }
    }

    /// Runs `body` with two clients ("hosts") of one fresh database of the shared cluster,
    /// their pools running meanwhile, and the database's connection string.
    @discardableResult
    public static func withTwoHosts<T: Sendable>(
        logger: Logger, _ body: (_ first: PostgresClient, _ second: PostgresClient, _ url: String) async throws -> T
    ) async throws -> T {
        let url = try await shared().freshDatabase()
        let configuration = try configuration(of: url)
        return try await withClient(configuration, logger: logger) { first in
            try await withClient(configuration, logger: logger) { second in try await body(first, second, url) }
        }
    }

    /// The client configuration of one of the cluster's connection strings
    /// (`postgresql://madoguchi@/NAME?host=FOLDER`).
    static func configuration(of url: String) throws -> PostgresClient.Configuration {
        guard let components = URLComponents(string: url), let host = components.queryItems?.first(where: { $0.name == "host" })?.value
        else { throw Failure("not a connection string of the test cluster: \(url)") }
        return .init(
            unixSocketPath: host + "/.s.PGSQL.5432", username: "madoguchi", password: nil,
            database: String(components.path.dropFirst()))
    }

    private static func findBinaries() throws -> String {
        // Debian keeps the server's programs out of PATH, in a folder per major version.
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? []
        for version in versions.sorted(by: { (Int($0) ?? 0) > (Int($1) ?? 0) }) {
            let folder = "/usr/lib/postgresql/\(version)/bin"
            if FileManager.default.isExecutableFile(atPath: folder + "/pg_ctl") { return folder }
        }
        throw Failure("PostgreSQL's server is not installed: run compose/install-deps (Debian's postgresql package)")
    }

    private func run(_ program: String, _ arguments: [String]) async throws {
        let command = serverUser.map { ["/usr/sbin/runuser", "-u", $0, "--", program] } ?? [program]
        let result = try await ChildProcess.run(command[0], Array(command.dropFirst()) + arguments)
        guard result.status == 0 else {
            throw Failure("\(program) \(arguments.joined(separator: " ")) failed (\(result.status)): \(result.stderr)")
        }
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }
}

extension PostgresConnection {
    /// The lines of `EXPLAIN` for `statement` (an `EXECUTE` of a prepared one, say): which
    /// plan the server chose.
    public func explain(_ statement: String, logger: Logger) async throws -> [String] {
        var plan: [String] = []
        for try await line in try await query(PostgresQuery(unsafeSQL: "EXPLAIN " + statement), logger: logger).decode(String.self) {
            plan.append(line)
        }
        return plan
    }
}
