import Foundation
import JSONRPC
import ServiceClient
import ServiceContract
import ServiceKit
import TestSupport
import Testing

/// `madoctl` driving the real, socket-activated services.
@Suite(.sandboxed) struct MadoctlTests {
    @Test func pingCallAndMethods_driveEveryService() async throws {
        let sandbox = try ServiceSandbox()
        var processes: [ChildProcess] = []
        for service in ServiceSandbox.services { processes.append(try await sandbox.startActivated(service)) }

        let ping = try await sandbox.madoctl(["ping"])
        #expect(ping.status == 0, "\(ping.stderr)")
        for service in ServiceSandbox.services {
            #expect(ping.stdout.contains(service) && ping.stdout.contains(" ms"))
        }
        let pingJSON = try await sandbox.madoctl(["ping", "--json"])
        let outcomes = try #require(GoldenJSON.parse(pingJSON.stdout))
        guard case .array(let list) = outcomes else {
            Issue.record("not an array: \(pingJSON.stdout)")
            return
        }
        #expect(list.count == ServiceSandbox.services.count)
        #expect(list.allSatisfy { $0["ok"] == true })

        let call = try await sandbox.madoctl(["call", "registration", "service.info", "--json"])
        #expect(call.status == 0)
        #expect(GoldenJSON.parse(call.stdout)?["name"] == "registration")
        #expect(GoldenJSON.parse(call.stdout)?["socketActivated"] == true)

        // A socket path works as well as a name; readable output is indented JSON.
        let byPath = try await sandbox.madoctl(["call", sandbox.socketPath("linking"), "service.ping", "{}"])
        #expect(byPath.status == 0)
        #expect(byPath.stdout.contains(#""service" : "linking""#))

        let methods = try await sandbox.madoctl(["methods", "billing"])
        #expect(methods.status == 0)
        #expect(methods.stdout.contains("service.info"))
        #expect(methods.stdout.contains("rpc.discover"))

        for process in processes { #expect(try await process.terminate() == 0) }
    }

    @Test func badValues_areRefusedByTheParser_withTheRuleAndUsage_beforeAnyCall() async throws {
        // No service runs: a value the parser refuses never gets as far as a socket.
        let sandbox = try ServiceSandbox()
        let cases: [(arguments: [String], says: String)] = [
            (["call", "nosuch", "service.ping"], "Please provide one of 'auth', 'registration', 'billing', 'linking' or 'lines'"),
            (["login", "--for", "line", "--phone", "0901"], "starts with 0 and has 10 or 11 digits"),
            (["login", "--for", "mypage", "--phone", "09012345678"], "madoctl login --for mypage takes --login-id."),
            (["login"], "madoctl login --for auth takes --phone, or --reception with --phone, or --login-id."),
            (["login", "--for", "desk", "--login-id", "taro"], "Please provide one of 'auth', 'mypage', 'line' or 'isp'"),
            (["pin", "verify", "line:09012345678", "--kind", "bogus"], "Please provide one of 'network', 'phone' or 'card'"),
            (["statements", "show", "2026-13"], "2026-13"),
            (["recover", "request", "--birth-date", "1990-04-01", "--route", "pigeon"], "'screen' and 'post'"),
        ]
        for (arguments, says) in cases {
            let refused = try await sandbox.madoctl(arguments, input: "4821\n")
            #expect(refused.status == 64, "\(arguments): \(refused.stderr)")
            #expect(refused.stderr.contains(says), "\(arguments): \(refused.stderr)")
            #expect(refused.stderr.contains("Usage: madoctl"), "\(arguments): \(refused.stderr)")
        }
        // The list every script reads.
        let services = try await sandbox.madoctl(["services"])
        #expect(services.status == 0)
        #expect(services.stdout.split(separator: "\n").map(String.init) == ServiceName.allCases.map(\.rawValue))
    }

    /// The command line as an operator meets it: a version, usage as a usage error,
    /// connection options before the subcommand, params (a secret) from standard input.
    @Test func version_usage_leadingOptions_andParamsFromStandardInput() async throws {
        let sandbox = try ServiceSandbox()
        let version = try await sandbox.madoctl(["--version"])
        #expect(version.status == 0 && version.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == MadoguchiVersion.current)
        let serviceVersion = try await ChildProcess.run(Executables.path("madoguchi-auth"), ["--version"])
        #expect(serviceVersion.status == 0 && serviceVersion.stdout.contains(MadoguchiVersion.current), "\(serviceVersion)")
        let bare = try await sandbox.madoctl([])
        #expect(bare.status == 64 && bare.stderr.contains("USAGE: madoctl") && bare.stderr.contains("SUBCOMMANDS"), "\(bare)")

        _ = try await sandbox.startActivated("auth")
        let leading = try await sandbox.madoctl(["--json", "--timeout", "5", "call", "auth", "service.ping"])
        #expect(leading.status == 0 && leading.stdout == #"{"service":"auth"}"# + "\n", "\(leading)")
        let fromInput = try await sandbox.madoctl(
            ["--json", "call", "auth", "pin.set", "-"], input: #"{"subject":"line:09012345678","kind":"network","pin":"4821"}"#)
        #expect(fromInput.status == 0, "\(fromInput)")
        let notJSON = try await sandbox.madoctl(["call", "auth", "pin.set", "-"], input: "4821")
        #expect(notJSON.status == 64 && notJSON.stderr.contains("Standard input must hold the params"), "\(notJSON)")
        // Endless input is refused once past the longest params, not read to the end.
        let endless = try await ChildProcess.run(
            "/bin/sh", ["-c", "exec \"$0\" call auth pin.set - < /dev/zero", Executables.path("madoctl")],
            environment: ["MADOGUCHI_RUNTIME_DIR": sandbox.runtimeDirectory])
        #expect(endless.status == 64 && endless.stderr.contains("more than 8 MiB"), "\(endless)")
    }

    /// A refusal says what can be done about it, readable: tries left, when a lock ends;
    /// and the trail of it is auth's audit, by subject and time.
    @Test(arguments: StorageEngine.allCases) func refusalsSayWhatToDo_andTheAuditFiltersBySubjectAndTime(_ engine: StorageEngine) async throws {
        let sandbox = try await ServiceSandbox.make(engine: engine)
        _ = try await sandbox.startActivated("auth")
        #expect(try await sandbox.madoctl(["pin", "set", "line:09012345678"], input: "4821\n").status == 0)
        let first = try await sandbox.madoctl(["pin", "verify", "line:09012345678"], input: "1593\n")
        #expect(first.status == 1 && first.stderr.contains("reason pin_incorrect; attemptsLeft 2"), "\(first.stderr)")
        _ = try await sandbox.madoctl(["pin", "verify", "line:09012345678"], input: "1593\n")
        let locked = try await sandbox.madoctl(["pin", "verify", "line:09012345678"], input: "1593\n")
        #expect(locked.stderr.contains("reason pin_locked; unlocksAt 2026-11-22T00:00:00+09:00"), "\(locked.stderr)")

        let trail = try await sandbox.madoctl(["audit", "--subject", "line:09012345678", "--since", "2026-11-21T00:00:00+09:00"])
        #expect(trail.status == 0 && trail.stdout.contains("pin_locked line:09012345678 (network) by uid 0"), "\(trail)")
        #expect(try await sandbox.madoctl(["audit", "--until", "2026-11-21T00:00:00+09:00"]).stdout == "No events.\n")
        #expect(try await sandbox.madoctl(["audit", "--subject", "line:08011112222"]).stdout == "No events.\n")
        let bad = try await sandbox.madoctl(["audit", "--since", "yesterday"])
        #expect(bad.status == 64 && bad.stderr.contains("--since is an ISO 8601 instant"), "\(bad)")
    }

    /// A generated operator beside the demo: numbered after its customers 1–3, with a
    /// line inventory lines imports; the demo's records are left as they were.
    @Test func generatedCustomers_startAfterTheDemo_andCarryALineInventory() async throws {
        let sandbox = try ServiceSandbox()
        _ = try await sandbox.startActivated("registration")
        _ = try await sandbox.startActivated("lines")
        let demo = Repository.file("compose/demo/contracts.jsonl")
        #expect(try await sandbox.madoctl(["contracts", "import", demo]).stdout.contains("3 new"))
        let folder = sandbox.root.file("generated")
        let generated = try await sandbox.madoctl(
            ["generate", "customers", "--customers", "30", "--first-customer", "4", "--accounts", "0", "--calls", "10", "--output", folder])
        #expect(generated.status == 0 && generated.stdout.contains("30 customers (4 to 33)"), "\(generated)")
        let contracts = try await sandbox.madoctl(["contracts", "import", folder + "/contracts.jsonl"])
        #expect(contracts.stdout.contains("Imported 30 rows of contracts: 30 new"), "\(contracts)")
        let lines = try await sandbox.madoctl(["lines", "import", folder + "/lines.jsonl"])
        #expect(lines.status == 0 && lines.stdout.contains("new"), "\(lines)")
        let again = try await sandbox.madoctl(["contracts", "import", demo])
        #expect(again.stdout.contains("0 new, 0 updated, 3 unchanged"), "\(again)")
        let tooFar = try await sandbox.madoctl(["generate", "customers", "--customers", "2", "--first-customer", "99999999"])
        #expect(tooFar.status == 64, "\(tooFar)")
    }

    /// Every option and argument of every subcommand says what it is in --help (read from
    /// swift-argument-parser's own description of the tool).
    @Test func everyOptionAndArgument_hasHelpText() async throws {
        let dump = try await ChildProcess.run(Executables.path("madoctl"), ["--experimental-dump-help"])
        let tool = try #require(try JSONSerialization.jsonObject(with: Data(dump.stdout.utf8)) as? [String: Any])
        var missing: [String] = []
        func walk(_ command: [String: Any], _ path: String) {
            guard command["commandName"] as? String != "help" else { return }  // the parser's own
            for argument in command["arguments"] as? [[String: Any]] ?? [] where (argument["abstract"] as? String ?? "").isEmpty {
                missing.append("\(path) \(argument["valueName"] as? String ?? "?")")
            }
            for sub in command["subcommands"] as? [[String: Any]] ?? [] { walk(sub, path + " " + (sub["commandName"] as? String ?? "")) }
        }
        walk(try #require(tool["command"] as? [String: Any]), "madoctl")
        #expect(missing.isEmpty, "without help: \(missing)")
        // `call` names every service there is.
        let call = try await ChildProcess.run(Executables.path("madoctl"), ["call", "--help"])
        for service in ServiceName.allCases { #expect(call.stdout.contains(service.rawValue), "\(call.stdout)") }
    }

    @Test func rpcErrors_exitNonZero_withMessageAndReason() async throws {
        let sandbox = try ServiceSandbox()
        let process = try await sandbox.startActivated("auth")

        let unknown = try await sandbox.madoctl(["call", "auth", "no.such.method"])
        #expect(unknown.status == 1)
        #expect(unknown.stderr.contains("Method not found."))
        #expect(unknown.stderr.contains("reason method_not_found"))

        let json = try await sandbox.madoctl(["call", "auth", "service.ping", #"{"extra":1}"#, "--json"])
        #expect(json.status == 1)
        #expect(GoldenJSON.parse(json.stdout)?["error"]?["data"]?["reason"] == "unknown_member")

        let badParams = try await sandbox.madoctl(["call", "auth", "service.ping", "{oops"])
        #expect(badParams.status == 64)

        let down = try await sandbox.madoctl(["call", "billing", "service.ping"])
        #expect(down.status == 69)
        #expect(down.stderr.contains("no socket there"))

        let partial = try await sandbox.madoctl(["ping"])
        #expect(partial.status == 69)
        #expect(partial.stdout.contains("auth") && partial.stdout.contains("FAIL"))
        #expect(try await process.terminate() == 0)
    }

    @Test func outbox_showsWhatTheSpoolHolds() async throws {
        let sandbox = try ServiceSandbox()
        // No spool folder yet (no service has run): said plainly, not "no messages".
        let missing = try await sandbox.madoctl(["outbox"])
        #expect(missing.status == 1 && missing.stderr.contains("no spool folder at \(sandbox.spoolDirectory)"), "\(missing)")
        try FileManager.default.createDirectory(atPath: sandbox.spoolDirectory, withIntermediateDirectories: true)
        let empty = try await sandbox.madoctl(["outbox"])
        #expect(empty.status == 0)
        #expect(empty.stdout.contains("holds no messages"))

        let spool = SpoolTransport(directory: sandbox.spoolDirectory, serviceName: "registration")
        try spool.deliver(
            OutboxMessage(channel: .mail, to: "hanako@example.jp", subject: "本登録のご案内", body: "こちらのURLを開いてください。"),
            id: 1, createdAt: Date(timeIntervalSince1970: 1_800_000_000))
        try spool.deliver(
            OutboxMessage(channel: .sms, to: "09012345678", body: "認証コード 24680"), id: 2,
            createdAt: Date(timeIntervalSince1970: 1_800_000_001))

        let readable = try await sandbox.madoctl(["outbox"])
        #expect(readable.stdout.contains("[mail] to hanako@example.jp — 本登録のご案内"))
        #expect(readable.stdout.contains("[sms] to 09012345678"))

        let json = try await sandbox.madoctl(["outbox", "--json", "--channel", "sms"])
        guard case .array(let entries)? = GoldenJSON.parse(json.stdout) else {
            Issue.record("not an array: \(json.stdout)")
            return
        }
        #expect(entries.count == 1)
        #expect(entries.first?["body"] == "認証コード 24680")
    }
}

/// Services calling each other: over the same sockets, with "unavailable" when the peer
/// is down, never a hang.
@Suite(.sandboxed) struct PeerServiceTests {
    @Test func peerCalls_goOverTheSocket_andADownPeerIsUnavailableQuickly() async throws {
        let sandbox = try ServiceSandbox()
        let process = try await sandbox.startActivated("auth")
        // 10 s, as the sandbox gives its services: the first call starts a debug auth, which
        // under a full run's load can pass 2 s. A down peer must still answer well inside 3 s.
        let peer = ServiceDirectory(runtimeDirectory: sandbox.runtimeDirectory).peer(.auth, timeout: .seconds(10))
        #expect(try await peer.call(ServicePing.self, NoParams()).service == "auth")
        #expect(try await process.terminate() == 0)

        let started = ContinuousClock.now
        do {
            _ = try await peer.call(ServicePing.self, NoParams())
            Issue.record("expected unavailable")
        } catch let error as RPCError {
            #expect(error.code == .unavailable)
            #expect(error.reason == "unavailable")
        }
        #expect(ContinuousClock.now - started < .seconds(3))

        // When the service is back, the same peer reconnects by itself.
        let again = try await sandbox.startBound("auth")
        #expect(try await peer.call(ServicePing.self, NoParams()).service == "auth")
        await peer.close()
        #expect(try await again.terminate() == 0)
    }

    @Test func aServiceCall_startsTheSocketActivatedPeerItNeeds() async throws {
        let sandbox = try ServiceSandbox()
        let auth = try await sandbox.startActivated("auth")
        let registration = try await sandbox.startActivated("registration")
        #expect(!auth.log.contains("Execing"))  // auth's process has not started
        let client = try await sandbox.client("registration")
        let health = try await client.call(ServiceHealth.self)
        #expect(health.ok)
        #expect(health.dependencies.map(\.service) == ["auth"])
        #expect(auth.log.contains("Execing"))  // registration's call started it
        await client.close()
        #expect(try await registration.terminate() == 0)
        #expect(try await auth.terminate() == 0)
    }

    @Test func healthOfAServiceWhosePeerIsDown_saysUnavailableQuickly() async throws {
        let sandbox = try ServiceSandbox()
        let linking = try await sandbox.startActivated("linking")
        let client = try await sandbox.client("linking")
        let started = ContinuousClock.now
        let health = try await client.call(ServiceHealth.self)
        #expect(ContinuousClock.now - started < .seconds(3))
        #expect(!health.ok)
        #expect(health.dependencies.allSatisfy { !$0.ok && $0.error?.contains("unavailable") == true })
        await client.close()
        #expect(try await linking.terminate() == 0)
    }
}
