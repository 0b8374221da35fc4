import AuthAPI
import Foundation
import JSONRPC
import JSONRPCTransport
import MadoguchiModels
import ServiceClient
import ServiceContract
import ServiceKit
import TestSupport
import Testing

/// `compose/dev-run` keeps every socket listening: a service that exits cleanly is started
/// again on its next call, one that fails is reported by name and stops the rest.
@Suite(.sandboxed) struct DevRunTests {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().path

    @Test func aServiceThatExitsCleanly_isStartedAgain_andOneThatFails_stopsDevRunWithItsName() async throws {
        let root = try TemporaryDirectory()
        defer { root.remove() }
        let devRun = try ChildProcess(
            Self.packageRoot + "/compose/dev-run", ["--no-demo"], logPath: root.file("dev-run.log"),
            environment: ["MADOGUCHI_DEV_ROOT": root.path, "MADOGUCHI_BIN_DIR": Executables.directory])
        let socket = root.file("run/auth.sock")
        try await waitUntil("dev-run's auth socket") {
            #expect(devRun.isRunning, "\(devRun.log)")
            return try FileManager.default.fileExists(atPath: socket) && ListeningUnixSockets.contains(socket)
        }
        func authPID() async throws -> Int32 {
            let client = try await RPCClient.connect(socketPath: socket, defaultTimeout: .seconds(10))
            defer { Task { await client.close() } }
            return try await client.call(ServiceInfo.self).pid
        }
        let first = try await authPID()
        kill(first, SIGTERM)  // a clean exit, as --idle-exit makes
        var second: Int32 = first
        try await waitUntil("auth listening again") {
            second = (try? await authPID()) ?? first
            return second != first
        }
        #expect(devRun.isRunning)
        #expect(devRun.log.contains("madoguchi-auth exited cleanly; listening again"))

        kill(second, SIGKILL)  // a failure
        #expect(try await devRun.waitForExit(timeout: .seconds(20)) == 1)
        #expect(devRun.log.contains("madoguchi-auth failed (exit status"), "\(devRun.log)")
        for service in ServiceSandbox.services {
            #expect(!FileManager.default.fileExists(atPath: root.file("run/\(service).sock")))
        }
    }
}

extension DevRunTests {
    /// `compose/dev-run --postgres` makes a private PostgreSQL cluster in its folder,
    /// starts every service on it, stops it with the services, and finds the same state
    /// when started again.
    @Test func withPostgres_everyServiceKeepsItsStateInAPrivateCluster_acrossRestarts() async throws {
        let root = try TemporaryDirectory()
        defer { root.remove() }
        chmod(root.path, 0o755)  // the postgres user runs the server in root/postgres
        let socket = root.file("run/auth.sock")
        let line = try PINSubject(validating: "line:09012345678")
        func devRun(_ round: Int) async throws -> ChildProcess {
            let devRun = try ChildProcess(
                Self.packageRoot + "/compose/dev-run", ["--postgres", "--no-demo"], logPath: root.file("dev-run-\(round).log"),
                environment: ["MADOGUCHI_DEV_ROOT": root.path, "MADOGUCHI_BIN_DIR": Executables.directory])
            try await waitUntil("dev-run's auth socket") {
                #expect(devRun.isRunning, "\(devRun.log)")
                return try FileManager.default.fileExists(atPath: socket) && ListeningUnixSockets.contains(socket)
            }
            return devRun
        }
        let first = try await devRun(1)
        let auth = try await RPCClient.connect(socketPath: socket, defaultTimeout: .seconds(10))
        _ = try await auth.call(PINSet.self, .init(subject: line, kind: .network, pin: try PIN(validating: "4821")))
        await auth.close()
        let log = try String(contentsOfFile: root.file("auth.log"), encoding: .utf8)
        #expect(log.contains("keeping state in PostgreSQL"))
        // Billing keeps its state there too, in a schema of its own.
        let billing = try await RPCClient.connect(socketPath: root.file("run/billing.sock"), defaultTimeout: .seconds(10))
        #expect(try await billing.call(ServicePing.self).service == "billing")
        await billing.close()
        let billingLog = try String(contentsOfFile: root.file("billing.log"), encoding: .utf8)
        #expect(billingLog.contains("keeping state in PostgreSQL") && billingLog.contains("schema=billing"), "\(billingLog)")
        // And the other three.
        for service in ["registration", "linking", "lines"] {
            let client = try await RPCClient.connect(socketPath: root.file("run/\(service).sock"), defaultTimeout: .seconds(10))
            #expect(try await client.call(ServicePing.self).service == service)
            await client.close()
            let log = try String(contentsOfFile: root.file("\(service).log"), encoding: .utf8)
            #expect(log.contains("keeping state in PostgreSQL") && log.contains("schema=\(service)"), "\(log)")
        }
        first.signal(SIGTERM)
        #expect(try await first.waitForExit(timeout: .seconds(30)) == 0)
        #expect(!FileManager.default.fileExists(atPath: root.file("postgres/data/postmaster.pid")))

        let second = try await devRun(2)
        let again = try await RPCClient.connect(socketPath: socket, defaultTimeout: .seconds(10))
        #expect(try await again.call(PINStatusMethod.self, .init(subject: line, kind: .network)).isSet)
        await again.close()
        second.signal(SIGTERM)
        #expect(try await second.waitForExit(timeout: .seconds(30)) == 0)
    }
}
