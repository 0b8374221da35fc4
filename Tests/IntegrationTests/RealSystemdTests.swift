import Foundation
import JSONRPC
import JSONRPCTransport
import ServiceClient
import ServiceContract
import ServiceKit
import TestSupport
import Testing

/// The shipped units (compose/systemd) under a real systemd user manager: socket
/// activation, notify readiness, restart after a crash, idle exit and re-activation, and
/// a clean stop of the target.
@Suite(.serialized, .sandboxed) struct RealSystemdTests {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().path

    /// The units from compose/systemd as `compose/render-user-units` adapts them for a
    /// user manager (paths under the session's folder, no user switching, output to log
    /// files), with the test clock.
    static func installUnits(in session: UserSession) async throws {
        let render = try await ChildProcess.run(
            packageRoot + "/compose/render-user-units",
            [session.base, session.unitDirectory, Executables.directory, "--clock-file", session.clockFile])
        #expect(render.status == 0, "\(render.stderr)")
        try "2026-11-21T12:00:00+09:00".write(toFile: session.clockFile, atomically: true, encoding: .utf8)

        // billing exits when idle, to show re-activation; a drop-in, as an operator would.
        let dropIn = session.unitDirectory + "/madoguchi@billing.service.d"
        try FileManager.default.createDirectory(atPath: dropIn, withIntermediateDirectories: true)
        let execStart = try String(contentsOfFile: session.unitDirectory + "/madoguchi@.service", encoding: .utf8)
            .split(separator: "\n").first { $0.hasPrefix("ExecStart=") }!
        try "[Service]\nExecStart=\n\(execStart) --idle-exit 0.5\n"
            .write(toFile: dropIn + "/idle-exit.conf", atomically: true, encoding: .utf8)
    }

    func client(_ service: String, in session: UserSession) async throws -> RPCClient {
        try await RPCClient.connect(socketPath: session.socketDirectory + "/\(service).sock", defaultTimeout: .seconds(15))
    }

    @Test(.enabled(if: UserSession.unavailableReason == nil, "needs root, unshare(1), systemd and cgroup2"))
    func shippedUnits_underARealUserManager() async throws {
        let session = try await UserSession(packageRoot: Self.packageRoot)
        do {
            try await exercise(session)
        } catch {
            let console = (try? String(contentsOfFile: session.sessionDirectory + "/console.log", encoding: .utf8)) ?? ""
            let status = (try? await session.systemctl(["status", "--lines=20", "madoguchi@*"]).stdout) ?? ""
            let logs = ServiceSandbox.services.map { name in
                "\(name): " + ((try? String(contentsOfFile: session.base + "/\(name).log", encoding: .utf8)) ?? "")
            }
            Issue.record("user manager console:\n\(console.suffix(3000))\nstatus:\n\(status)\nlogs:\n\(logs.joined(separator: "\n"))")
            await session.stop()
            throw error
        }
        await session.stop()
    }

    private func exercise(_ session: UserSession) async throws {
        try await Self.installUnits(in: session)
        try await session.systemctl(["daemon-reload"])
        let start = try await session.systemctl(["start", "madoguchi.target"])
        #expect(start.status == 0, "\(start.stderr)")

        // Listening sockets, and no service process before the first connection.
        for service in ServiceSandbox.services {
            #expect(try await session.property("ActiveState", of: "madoguchi@\(service).socket") == "active")
            #expect(try await session.property("ActiveState", of: "madoguchi@\(service).service") == "inactive")
            #expect(try await session.property("MainPID", of: "madoguchi@\(service).service") == "0")
        }

        // Activation on connect, with Type=notify readiness and status text.
        let auth = try await client("auth", in: session)
        let info = try await auth.call(ServiceInfo.self)
        #expect(info.socketActivated)
        #expect(info.now == "2026-11-21T12:00:00+09:00")
        #expect(try await session.property("ActiveState", of: "madoguchi@auth.service") == "active")
        #expect(try await session.property("SubState", of: "madoguchi@auth.service") == "running")
        #expect(try await session.property("MainPID", of: "madoguchi@auth.service") == String(info.pid))
        #expect(try await session.property("StatusText", of: "madoguchi@auth.service").hasPrefix("Serving on inherited fd"))
        #expect(try await session.property("ActiveState", of: "madoguchi@registration.service") == "inactive")

        // A crash (kill -9): systemd restarts the service, and a caller who connects
        // meanwhile waits on the socket systemd holds and is answered.
        kill(info.pid, SIGKILL)
        let afterCrash = try await client("auth", in: session)
        let restarted = try await afterCrash.call(ServiceInfo.self)
        #expect(restarted.pid != info.pid)
        #expect(try await session.property("NRestarts", of: "madoguchi@auth.service") == "1")
        await afterCrash.close()
        await auth.close()

        // Service-to-service activation: registration's call to auth goes through
        // auth's socket; with auth stopped, only that call can start it again.
        try await session.systemctl(["stop", "madoguchi@auth.service"])
        try await session.wait(for: "madoguchi@auth.service", "ActiveState", toBe: "inactive")
        let registration = try await client("registration", in: session)
        #expect(try await registration.call(ServiceHealth.self).ok)
        #expect(try await session.property("ActiveState", of: "madoguchi@auth.service") == "active")
        await registration.close()

        // Idle exit, then re-activation on the next connection.
        let billing = try await client("billing", in: session)
        let firstBilling = try await billing.call(ServiceInfo.self).pid
        await billing.close()
        try await session.wait(for: "madoguchi@billing.service", "ActiveState", toBe: "inactive")
        #expect(try await session.property("Result", of: "madoguchi@billing.service") == "success")
        #expect(try await session.property("ActiveState", of: "madoguchi@billing.socket") == "active")
        let billingAgain = try await client("billing", in: session)
        #expect(try await billingAgain.call(ServiceInfo.self).pid != firstBilling)
        await billingAgain.close()

        // A clean stop of the target stops every socket and service, removes the sockets.
        let stop = try await session.systemctl(["stop", "madoguchi.target"])
        #expect(stop.status == 0)
        for service in ServiceSandbox.services {
            try await session.wait(for: "madoguchi@\(service).service", "ActiveState", toBe: "inactive")
            // The socket unit is stopped as its own job: it may still be deactivating the
            // moment its service is inactive (CI saw it), so it is waited for too.
            try await session.wait(for: "madoguchi@\(service).socket", "ActiveState", toBe: "inactive")
            #expect(!FileManager.default.fileExists(atPath: session.socketDirectory + "/\(service).sock"))
        }
        #expect(try await session.property("Result", of: "madoguchi@auth.service") == "success")
        let authLog = try String(contentsOfFile: session.base + "/auth.log", encoding: .utf8)
        #expect(authLog.contains("stopped"))
    }
}
