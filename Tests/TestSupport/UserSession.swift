import Foundation
import Testing

/// A private systemd user manager for one test (`compose/systemd-user-session`), with
/// every file the test's units use under one folder outside /tmp: the units' own
/// `PrivateTmp=` would hide /tmp from the services.
public final class UserSession: SystemctlDriven {
    /// The folder holding the session, sockets, spool, logs and clock.
    public let base: String
    public var sessionDirectory: String { base + "/session" }
    public var unitDirectory: String { sessionDirectory + "/config/systemd/user" }
    public var socketDirectory: String { base + "/sockets" }
    public var spoolDirectory: String { base + "/spool" }
    public var clockFile: String { base + "/clock" }
    private let script: String

    /// Why a real user manager cannot run here, or `nil` when it can.
    public static var unavailableReason: String? {
        if getuid() != 0 { return "needs root" }
        for tool in ["/usr/bin/unshare", "/lib/systemd/systemd", "/usr/bin/systemctl"]
        where !FileManager.default.isExecutableFile(atPath: tool) {
            return "needs \(tool)"
        }
        if !FileManager.default.fileExists(atPath: "/sys/fs/cgroup/unified/cgroup.procs")
            && !FileManager.default.fileExists(atPath: "/sys/fs/cgroup/cgroup.procs")
        {
            return "needs a cgroup2 hierarchy"
        }
        return nil
    }

    /// Boots a user manager; `packageRoot` is where compose/ lives.
    public init(packageRoot: String) async throws {
        var template = Array("/var/lib/madoguchi-test-XXXXXX".utf8CString)
        try FileManager.default.createDirectory(atPath: "/var/lib", withIntermediateDirectories: true)
        guard let created = mkdtemp(&template) else { throw POSIXError(.EIO) }
        base = String(cString: created)
        script = packageRoot + "/compose/systemd-user-session"
        for folder in [socketDirectory, spoolDirectory] {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        }
        let started = try await ChildProcess.run(script, ["start", sessionDirectory])
        guard started.status == 0 else {
            try? FileManager.default.removeItem(atPath: base)
            throw SessionError(message: "the user manager did not start: \(started.stderr)")
        }
    }

    /// `systemctl --user ARGS` against this manager.
    @discardableResult
    public func systemctl(_ arguments: [String]) async throws -> (status: Int32, stdout: String, stderr: String) {
        try await ChildProcess.run(
            "/usr/bin/systemctl", ["--user", "--no-pager"] + arguments,
            environment: ["XDG_RUNTIME_DIR": sessionDirectory + "/run"])
    }

    /// Stops the manager, tidies its cgroups and removes every file, first failing the
    /// running test if a log or database the units wrote holds a secret (`SecretsScan`).
    public func stop() async {
        _ = try? await ChildProcess.run(script, ["stop", sessionDirectory])
        for hit in SecretsScan.hits(in: base, spool: spoolDirectory) {
            Issue.record("A secret in clear: \(hit)")
        }
        try? FileManager.default.removeItem(atPath: base)
    }
}

struct SessionError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}
