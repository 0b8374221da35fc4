import Foundation
import Testing

/// A throw-away machine whose PID 1 is a real systemd system manager
/// (`compose/systemd-machine`), with this build installed by `compose/install` exactly as
/// shipped (units, sysusers.d, tmpfiles.d) at /usr/local.
public final class SystemMachine: SystemctlDriven {
    /// The folder holding the machine's console log and the staged install.
    public let base: String
    public var stage: String { base + "/stage" }
    public var machineDirectory: String { base + "/machine" }
    private let script: String

    /// Why a system manager cannot be booted here, or `nil` when it can.
    public static var unavailableReason: String? {
        if getuid() != 0 { return "needs root" }
        for tool in ["/usr/bin/systemd-nspawn", "/usr/bin/nsenter", "/lib/systemd/systemd"]
        where !FileManager.default.isExecutableFile(atPath: tool) {
            return "needs \(tool) (compose/install-deps installs systemd-container)"
        }
        return nil
    }

    /// Installs the built executables into a staging root and boots the machine.
    public init(packageRoot: String) async throws {
        var template = Array("/var/lib/madoguchi-machine-XXXXXX".utf8CString)
        guard let created = mkdtemp(&template) else { throw POSIXError(.EIO) }
        base = String(cString: created)
        script = packageRoot + "/compose/systemd-machine"
        let installed = try await ChildProcess.run(
            packageRoot + "/compose/install",
            ["--destdir", base + "/stage", "--prefix", "/usr/local", "--binaries", Executables.directory])
        guard installed.status == 0 else { throw SessionError(message: "compose/install failed: \(installed.stderr)") }
        let started = try await ChildProcess.run(script, ["start", base + "/machine", base + "/stage"])
        guard started.status == 0 else {
            _ = try? await ChildProcess.run(script, ["stop", base + "/machine"])
            try? FileManager.default.removeItem(atPath: base)
            throw SessionError(message: "the machine did not boot: \(started.stderr)")
        }
    }

    /// Runs `command` inside the machine as root.
    @discardableResult
    public func run(_ command: [String], input: String? = nil) async throws -> (status: Int32, stdout: String, stderr: String) {
        try await ChildProcess.run(script, ["run", machineDirectory] + command, input: input)
    }

    /// Runs `madoctl` inside the machine as `user` (root when `nil`), with the groups
    /// `/etc/group` gives that user.
    public func madoctl(_ arguments: [String], as user: String? = nil, input: String? = nil) async throws
        -> (status: Int32, stdout: String, stderr: String)
    {
        let madoctl = ["/usr/local/bin/madoctl"] + arguments
        guard let user else { return try await run(madoctl, input: input) }
        return try await run(["/usr/bin/setpriv", "--reuid=\(user)", "--regid=\(user)", "--init-groups"] + madoctl, input: input)
    }

    /// `systemctl ARGS` inside the machine.
    @discardableResult
    public func systemctl(_ arguments: [String]) async throws -> (status: Int32, stdout: String, stderr: String) {
        try await run(["/usr/bin/systemctl", "--no-pager"] + arguments)
    }

    /// Where the host reads the machine's files (`/proc/<its PID 1>/root`).
    public func rootPath() async throws -> String {
        try await ChildProcess.run(script, ["root", machineDirectory]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The machine's console, for a failing test's report.
    public var console: String {
        (try? String(contentsOfFile: machineDirectory + "/console.log", encoding: .utf8)) ?? ""
    }

    /// Shuts the machine down and removes its cgroups, staging root and every file.
    public func stop() async {
        _ = try? await ChildProcess.run(script, ["stop", machineDirectory])
        try? FileManager.default.removeItem(atPath: base)
    }
}
