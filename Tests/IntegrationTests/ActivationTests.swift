import Foundation
import JSONRPC
import ServiceClient
import ServiceContract
import ServiceKit
import TestSupport
import Testing

/// The four real executables, started as systemd starts them and as an operator would.
@Suite(.sandboxed) struct ActivationTests {
    static let services = ServiceSandbox.services

    @Test(arguments: services)
    func socketActivated_answersTheCommonMethods_andStopsCleanlyOnSIGTERM(_ service: String) async throws {
        let sandbox = try ServiceSandbox()
        let process = try await sandbox.startActivated(service)
        let client = try await sandbox.client(service)
        #expect(try await client.call(ServicePing.self).service == service)
        let info = try await client.call(ServiceInfo.self)
        #expect(info.name == service)
        #expect(info.version == MadoguchiVersion.current)
        #expect(info.pid == process.pid)  // systemd-socket-activate execs the service
        #expect(info.socketActivated)
        #expect(info.clock == "file")
        #expect(info.now == "2026-11-21T12:00:00+09:00")
        let discovery = try await client.call(RPCDiscover.self).document
        guard case .array(let methods)? = discovery["methods"] else {
            Issue.record("no methods in \(discovery)")
            return
        }
        let names = Set(methods.compactMap { $0["name"]?.stringValue })
        #expect(names.isSuperset(of: ["service.ping", "service.info", "rpc.discover"]))
        #expect(discovery["info"]?["title"] == .string("madoguchi-\(service)"))
        await client.close()
        #expect(try await process.terminate() == 0)
        #expect(process.log.contains("TEST clock"))
    }

    @Test(arguments: services)
    func selfBound_createsA0660Socket_answers_andRemovesItOnSIGTERM(_ service: String) async throws {
        let sandbox = try ServiceSandbox()
        let process = try await sandbox.startBound(service)
        let path = sandbox.socketPath(service)
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(mode == 0o660)
        let client = try await sandbox.client(service)
        let info = try await client.call(ServiceInfo.self)
        #expect(!info.socketActivated)
        #expect(info.pid == process.pid)
        // A call in flight when SIGTERM arrives still gets its answer.
        async let answer = client.call(ServicePing.self)
        process.signal(SIGTERM)
        _ = try? await answer
        #expect(try await process.waitForExit() == 0)
        #expect(!FileManager.default.fileExists(atPath: path))
    }

    @Test func staleSocketFile_isReplaced_butALiveOneIsNeverTaken() async throws {
        let sandbox = try ServiceSandbox()
        // A killed process leaves its socket file behind.
        let first = try await sandbox.startBound("auth")
        first.signal(SIGKILL)
        _ = try await first.waitForExit()
        #expect(FileManager.default.fileExists(atPath: sandbox.socketPath("auth")))
        let second = try await sandbox.startBound("auth")
        let client = try await sandbox.client("auth")
        #expect(try await client.call(ServicePing.self).service == "auth")

        let intruder = try await sandbox.startBound("auth", waitForSocket: false)
        #expect(try await intruder.waitForExit() != 0)
        #expect(intruder.log.contains("refusing to take it over"))
        #expect(try await client.call(ServiceInfo.self).pid == second.pid)
        await client.close()
        #expect(try await second.terminate() == 0)
    }

    @Test func idleExit_endsTheProcess_afterItsLastConnectionCloses() async throws {
        let sandbox = try ServiceSandbox()
        let process = try await sandbox.startActivated("billing", extraArguments: ["--idle-exit", "0.3"])
        let client = try await sandbox.client("billing")
        #expect(try await client.call(ServicePing.self).service == "billing")
        #expect(process.isRunning)
        await client.close()
        #expect(try await process.waitForExit() == 0)
        #expect(process.log.contains("idle"))
    }

    /// A process a test starts while it holds a connection gets no copy of it: with one,
    /// the connection would stay open after the test closes it, and the service would
    /// never be idle (other tests start processes at any moment of the run).
    @Test func idleExit_isNotHeldOff_byAProcessStartedWhileConnected() async throws {
        let sandbox = try ServiceSandbox()
        let process = try await sandbox.startActivated("billing", extraArguments: ["--idle-exit", "0.3"])
        let client = try await sandbox.client("billing")
        #expect(try await client.call(ServicePing.self).service == "billing")
        let bystander = try ChildProcess("/bin/sleep", ["60"], logPath: sandbox.root.file("sleep.log"))
        await client.close()
        #expect(try await process.waitForExit() == 0)
        let descriptors = try FileManager.default.contentsOfDirectory(atPath: "/proc/\(bystander.pid)/fd")
        #expect(descriptors.sorted() == ["0", "1", "2"])
        try await bystander.terminate()
    }

    @Test func testClock_isReReadOnEveryUse() async throws {
        let sandbox = try ServiceSandbox(now: "2026-11-21T22:00:00+09:00")
        let process = try await sandbox.startActivated("auth")
        let client = try await sandbox.client("auth")
        #expect(try await client.call(ServiceInfo.self).now == "2026-11-21T22:00:00+09:00")
        try sandbox.setClock("2026-11-22T00:00:00+09:00")
        #expect(try await client.call(ServiceInfo.self).now == "2026-11-22T00:00:00+09:00")
        await client.close()
        try await process.terminate()
    }

    @Test func softOpenFileLimit_isRaisedToTheHardLimit() async throws {
        let sandbox = try ServiceSandbox()
        var limit = rlimit()
        getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        // Start with systemd's default soft limit of 1024 (or lower if the hard one is).
        let soft = min(1024, limit.rlim_max)
        let process = try ChildProcess(
            "/bin/sh",
            ["-c", "ulimit -Sn \(soft) && exec \"$0\" \"$@\"", Executables.path("madoguchi-registration")]
                + sandbox.serviceArguments("registration") + ["--socket", sandbox.socketPath("registration")],
            logPath: sandbox.root.file("limit.log"))
        try await waitUntil("the socket") { (try? RawSocket(path: sandbox.socketPath("registration"))) != nil }
        let client = try await sandbox.client("registration")
        #expect(try await client.call(ServiceInfo.self).openFileLimit == UInt64(limit.rlim_max))
        await client.close()
        #expect(try await process.terminate() == 0)
    }
}
