import AuthAPI
import Foundation
import JSONRPC
import JSONRPCTransport
import MadoguchiModels
import ServiceContract
import Synchronization
import Testing
import TestSupport

/// The server key rotated twice on the real madoguchi-auth, on both engines, while callers
/// keep checking PINs and sessions: nothing made under an older key is lost (PINs,
/// passwords, sessions, a message queued before the rotation, its code), a successful check
/// re-hashes under the newest key, `madoctl keys` counts what each key still protects, and
/// a key is retired only once it protects nothing — after which its file can go.
@Suite(.sandboxed) struct KeyRotationTests {
    let right = try! PIN(validating: "4821")
    let password = "Sakura2026"

    @Test(arguments: StorageEngine.allCases) func rotatingTwiceUnderLoad_losesNothing_andRetiresAnUnusedKey(
        _ engine: StorageEngine
    ) async throws {
        let sandbox = try await ServiceSandbox.make(engine: engine)
        let (active, dormant, loaded) = (
            try PhoneNumber(validating: "09011110001"), try PhoneNumber(validating: "09011110002"),
            try PhoneNumber(validating: "09011110003")
        )
        let login = try LoginID(validating: "taro.yamada")
        let purpose = try CodePurpose(validating: "signup")
        let mail = try CodeDestination(channel: .mail, to: "taro@example.jp")

        // Key 1: PINs, a password, a session, and a code mailed while mail fails, so that
        // its message is still queued (sealed with key 1) when the key changes.
        var auth = try await sandbox.startBound(
            "auth", extraArguments: ["--mail-transport", "sendmail", "--sendmail-path", "/bin/false"])
        var client = try await sandbox.client("auth")
        for line in [active, dormant, loaded] {
            _ = try await client.call(PINSet.self, .init(subject: PINSubject.line(line), kind: .network, pin: right))
        }
        _ = try await client.call(PasswordSet.self, .init(loginId: login, password: password))
        let oldSession = try #require(try await client.call(SessionOpen.self, .init(.phonePIN(active, right))).token)
        _ = try await client.call(OTPIssue.self, .init(purpose: purpose, destination: mail))
        await client.close()
        #expect(try await auth.terminate() == 0)
        #expect(sandbox.messages(to: "taro@example.jp").isEmpty)

        // Two rotations while a load checks the third line's PIN and the old session.
        let load = RotationLoad(sandbox: sandbox, line: loaded, pin: right, session: oldSession)
        let running = Task { await load.run() }
        for version in [2, 3] {
            try sandbox.addKey("auth", version: version)
            auth = try await sandbox.startBound("auth")
            try await waitUntil("the load to be answered under key \(version)") { load.answeredSinceMark() >= 20 }
            if version == 2 {
                client = try await sandbox.client("auth")
                // The message sealed with key 1 is delivered once its back-off (5 s after the
                // failed attempt) has passed, and its code (hashed with key 1) works.
                try sandbox.setClock("2026-11-21T12:00:10+09:00")
                let code = try await sandbox.code(to: "taro@example.jp")
                _ = try await client.call(OTPVerify.self, .init(purpose: purpose, destination: mail, code: code))
                // Checked right, the active line's PIN and the password move to key 2.
                _ = try await client.call(PINVerify.self, .init(subject: PINSubject.line(active), kind: .network, pin: right))
                _ = try await client.call(PasswordVerify.self, .init(loginId: login, password: password))
                await client.close()
            }
            #expect(try await auth.terminate() == 0)
            load.mark()
        }
        auth = try await sandbox.startBound("auth")
        try await waitUntil("the load to be answered after the second rotation") { load.answeredSinceMark() >= 20 }
        running.cancel()
        await running.value
        #expect(load.wrongAnswers.isEmpty, "\(load.wrongAnswers)")

        let keys = try await sandbox.madoctl(["keys", "auth"])
        #expect(keys.status == 0, "\(keys)")
        // Key 1 still protects the dormant line's PIN, the old session and the used code
        // (until they are purged); the load's line
        // and the active one were re-hashed by their checks; key 3 makes everything new.
        #expect(keys.stdout.contains("version 1 (held): 1 code, 1 pin, 1 session"), "\(keys.stdout)")
        #expect(keys.stdout.contains("version 2 (held): 1 password, 1 pin"), "\(keys.stdout)")
        #expect(keys.stdout.contains("version 3 (current, held): 1 pin"), "\(keys.stdout)")

        // Neither the current key nor one still in use is retired.
        let current = try await sandbox.madoctl(["keys", "retire", "auth", "3"])
        #expect(current.status == 1 && current.stderr.contains("key_in_use"), "\(current)")
        let inUse = try await sandbox.madoctl(["keys", "retire", "auth", "1"])
        #expect(inUse.status == 1 && inUse.stderr.contains("(1 code, 1 pin, 1 session)"), "\(inUse)")

        // The dormant customer checks in; the old session ends, and a day later is purged.
        client = try await sandbox.client("auth")
        _ = try await client.call(PINVerify.self, .init(subject: PINSubject.line(dormant), kind: .network, pin: right))
        _ = try await client.call(SessionClose.self, .init(token: oldSession))
        await client.close()
        try sandbox.setClock("2026-11-23T12:00:00+09:00")
        try await waitUntil("key 1 to protect nothing") {
            try await sandbox.madoctl(["keys", "auth"]).stdout.contains("version 1 (held): protects nothing")
        }
        let retired = try await sandbox.madoctl(["keys", "retire", "auth", "1"])
        #expect(retired.status == 0 && retired.stdout.contains("key version 1 retired"), "\(retired)")
        #expect(try await auth.terminate() == 0)

        // Key 2 is missing and not retired: refused, nothing changed.
        let (second, aside) = (sandbox.keyFile("auth", version: 2), sandbox.root.file("key-2-aside"))
        try FileManager.default.moveItem(atPath: second, toPath: aside)
        let refused = try await sandbox.refusedStart("auth")
        #expect(refused.status == 78 && refused.log.contains("key version 2 is missing"), "\(refused.log)")
        try FileManager.default.moveItem(atPath: aside, toPath: second)

        // The retired key's file gone: harmless. Every PIN and the password still check.
        try FileManager.default.removeItem(atPath: sandbox.keyFile("auth", version: 1))
        _ = try await sandbox.startBound("auth")
        client = try await sandbox.client("auth")
        for line in [active, dormant, loaded] {
            let status = try await client.call(PINVerify.self, .init(subject: PINSubject.line(line), kind: .network, pin: right))
            #expect(status.failures == 0)
        }
        _ = try await client.call(PasswordVerify.self, .init(loginId: login, password: password))
        let after = try await sandbox.madoctl(["keys", "auth"])
        #expect(after.stdout.contains("version 1 (retired"), "\(after.stdout)")
        await client.close()
    }

    /// Two auth hosts on one PostgreSQL database: the stale one started with key version 1
    /// only (and `beforeNewKey` run on it), the other after version 2 was added. Answers
    /// a client of each.
    func hostsAcrossANewKey(
        _ beforeNewKey: (RPCClient) async throws -> Void = { _ in }
    ) async throws -> (withKey: RPCClient, withoutKey: RPCClient) {
        let first = try await ServiceSandbox.make(engine: .postgres)
        let stale = try ServiceSandbox(sharingDatabaseOf: first)
        _ = try await stale.startBound("auth")
        let withoutKey = try await stale.client("auth")
        try await beforeNewKey(withoutKey)
        try first.addKey("auth", version: 2)
        _ = try await first.startBound("auth")
        return (try await first.client("auth"), withoutKey)
    }

    /// Two hosts on one PostgreSQL database, one started before a new key was added: it
    /// meets a PIN hashed with that key and answers `storage_unavailable` for the right
    /// PIN and a wrong one alike, counting nothing; the host with the key checks it.
    @Test func aHostWithoutTheNewKey_failsClosed_andCountsNothing() async throws {
        let (withKey, withoutKey) = try await hostsAcrossANewKey()
        let line = PINSubject.line(try PhoneNumber(validating: "09022220001"))
        _ = try await withKey.call(PINSet.self, .init(subject: line, kind: .network, pin: right))
        for pin in [right, try PIN(validating: "1357")] {
            let refused = await refusal { try await withoutKey.call(PINVerify.self, .init(subject: line, kind: .network, pin: pin)) }
            #expect(refused?.reason == "storage_unavailable", "\(String(describing: refused))")
        }
        #expect(try await withKey.call(PINStatusMethod.self, .init(subject: line, kind: .network)).failures == 0)
        #expect(try await withKey.call(PINVerify.self, .init(subject: line, kind: .network, pin: right)).attemptsLeft == 3)
        await withKey.close()
        await withoutKey.close()
    }

    /// ...and a session made with the new key: the host without it cannot find the
    /// session, and cannot tell that it does not exist either, so it answers
    /// `storage_unavailable`, never `session_invalid`, for that token and any other it
    /// cannot find; a session it can find (made with the key it holds) it answers. The
    /// host with the key answers every one.
    @Test func aHostWithoutTheNewKey_doesNotCallASessionMadeWithItInvalid() async throws {
        let phone = try PhoneNumber(validating: "09022220002")
        var madeBeforeTheKey: String?
        let (withKey, withoutKey) = try await hostsAcrossANewKey { stale in
            _ = try await stale.call(PINSet.self, .init(subject: .line(phone), kind: .network, pin: right))
            madeBeforeTheKey = try await stale.call(SessionOpen.self, .init(.phonePIN(phone, right))).token
        }
        let newSession = try #require(try await withKey.call(SessionOpen.self, .init(.phonePIN(phone, right))).token)
        let unknown = String(repeating: "A", count: newSession.count)

        for token in [newSession, unknown] {
            let refused = await refusal { try await withoutKey.call(SessionCheck.self, .init(token: token)) }
            #expect(refused?.reason == "storage_unavailable", "\(String(describing: refused))")
        }
        let oldSession = try #require(madeBeforeTheKey)
        #expect(try await withoutKey.call(SessionCheck.self, .init(token: oldSession)).principal == PINSubject.line(phone).value)
        #expect(try await withKey.call(SessionCheck.self, .init(token: newSession)).principal == PINSubject.line(phone).value)
        let invalid = await refusal { try await withKey.call(SessionCheck.self, .init(token: unknown)) }
        #expect(invalid?.reason == "session_invalid", "\(String(describing: invalid))")
        await withKey.close()
        await withoutKey.close()
    }

    /// ...and a keyed call first made with the new key: the host without it cannot compare
    /// a repeat's params with the recorded ones, so it answers `storage_unavailable`, not
    /// `idempotency_key_reused`, and counts nothing; the host with the key answers the
    /// repeat as the first call was answered.
    @Test func aHostWithoutTheNewKey_doesNotCallARepeatOfAKeyedCallReused() async throws {
        let (withKey, withoutKey) = try await hostsAcrossANewKey()
        let line = PINSubject.line(try PhoneNumber(validating: "09022220003"))
        _ = try await withKey.call(PINSet.self, .init(subject: line, kind: .network, pin: right))
        let keyed = PINVerify.Params(
            subject: line, kind: .network, pin: try PIN(validating: "1357"), idempotencyKey: try IdempotencyKey(validating: "rotation-repeat-1"))
        let firstAnswer = await refusal { try await withKey.call(PINVerify.self, keyed) }
        #expect(firstAnswer?.reason == "pin_incorrect", "\(String(describing: firstAnswer))")
        let onStale = await refusal { try await withoutKey.call(PINVerify.self, keyed) }
        #expect(onStale?.reason == "storage_unavailable", "\(String(describing: onStale))")
        let again = await refusal { try await withKey.call(PINVerify.self, keyed) }
        #expect(again?.reason == "pin_incorrect", "\(String(describing: again))")
        #expect(try await withKey.call(PINStatusMethod.self, .init(subject: line, kind: .network)).failures == 1)
        await withKey.close()
        await withoutKey.close()
    }
}

/// A key version is retired only once no running host makes records with it: each host
/// on PostgreSQL holds a renewed claim (`ServerKeyLease`) on the version it makes
/// everything new with, and `service.keys.retire` refuses while one is live.
@Suite(.sandboxed) struct KeyRetirementAcrossHostsTests {
    let pin = try! PIN(validating: "4821")

    /// Two auth hosts on one PostgreSQL database: the stale one started with key version 1
    /// only, the other after version 2 was added.
    func hostsAcrossANewKey() async throws -> (first: ServiceSandbox, stale: ServiceSandbox, staleAuth: ChildProcess) {
        let first = try await ServiceSandbox.make(engine: .postgres)
        let stale = try ServiceSandbox(sharingDatabaseOf: first)
        let staleAuth = try await stale.startBound("auth")
        try first.addKey("auth", version: 2)
        _ = try await first.startBound("auth")
        return (first, stale, staleAuth)
    }

    /// Version 1 protects nothing yet, but a host without version 2 makes everything new
    /// with it: retiring it then would leave that host's next records under a key whose
    /// file may go. Refused, naming the host; two minutes after that host stops, it goes ahead.
    @Test func aKeyAnotherHostStillMakesRecordsWith_isNotRetired_untilThatHostHasStopped() async throws {
        let (first, _, staleAuth) = try await hostsAcrossANewKey()
        let refused = try await first.madoctl(["keys", "retire", "auth", "1"])
        #expect(refused.status == 1 && refused.stderr.contains("key_in_use"), "\(refused)")
        #expect(refused.stderr.contains("pid \(staleAuth.pid)"), "\(refused)")
        #expect(try await first.madoctl(["keys", "auth"]).stdout.contains("version 1 (held): protects nothing"))

        // Its clean stop ends the claim; a retirement waits two minutes more, for any write a
        // call cut short by the stop left to the server.
        #expect(try await staleAuth.terminate() == 0)
        let justAfter = try await first.madoctl(["keys", "retire", "auth", "1"])
        #expect(justAfter.status == 1 && justAfter.stderr.contains("pid \(staleAuth.pid)"), "\(justAfter)")
        try first.setClock("2026-11-21T12:02:01+09:00")
        let retired = try await first.madoctl(["keys", "retire", "auth", "1"])
        #expect(retired.status == 0 && retired.stdout.contains("key version 1 retired"), "\(retired)")
    }

    /// A host hung (SIGSTOP) for longer than its claim lasts no longer keeps the key from
    /// being retired; when it wakes it finds its key retired and makes nothing with it:
    /// a PIN set there answers `storage_unavailable`, and no record of version 1 appears.
    @Test func aHostHungPastItsClaim_makesNothingWithTheRetiredKey_whenItWakes() async throws {
        let (first, stale, staleAuth) = try await hostsAcrossANewKey()
        let staleClient = try await stale.client("auth")
        _ = try await staleClient.call(ServicePing.self, .init())
        try await staleAuth.stop()
        for sandbox in [first, stale] { try sandbox.setClock("2026-11-21T12:05:00+09:00") }
        let retired = try await first.madoctl(["keys", "retire", "auth", "1"])
        #expect(retired.status == 0 && retired.stdout.contains("key version 1 retired"), "\(retired)")

        staleAuth.signal(SIGCONT)
        let line = PINSubject.line(try PhoneNumber(validating: "09022220009"))
        let refused = await refusal { try await staleClient.call(PINSet.self, .init(subject: line, kind: .network, pin: pin)) }
        #expect(refused?.reason == "storage_unavailable", "\(String(describing: refused))")
        let keys = try await first.madoctl(["keys", "auth"])
        #expect(keys.stdout.contains("version 1 (held, retired 2026-11-21T12:05:00+09:00): protects nothing"), "\(keys.stdout)")
        await staleClient.close()
    }
}

/// Callers that keep checking one line's right PIN and one open session while auth is
/// restarted with new keys: a refused connection (auth between processes) is tried again;
/// any answer other than "right" or "valid" is kept as a wrong answer.
final class RotationLoad: Sendable {
    let sandbox: ServiceSandbox
    let line: PhoneNumber
    let pin: PIN
    let session: String
    private let answered = Atomic<Int>(0)
    private let marked = Atomic<Int>(0)
    private let wrong = Mutex<[String]>([])

    init(sandbox: ServiceSandbox, line: PhoneNumber, pin: PIN, session: String) {
        (self.sandbox, self.line, self.pin, self.session) = (sandbox, line, pin, session)
    }

    var wrongAnswers: [String] { wrong.withLock { $0 } }

    /// Answers counted since the last `mark()`.
    func answeredSinceMark() -> Int { answered.load(ordering: .relaxed) - marked.load(ordering: .relaxed) }

    func mark() { marked.store(answered.load(ordering: .relaxed), ordering: .relaxed) }

    func run() async {
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<3 { group.addTask { await self.caller() } }
        }
    }

    private func caller() async {
        while !Task.isCancelled {
            guard let client = try? await sandbox.client("auth", timeout: .seconds(30)) else {
                try? await Task.sleep(for: .milliseconds(20))
                continue
            }
            while !Task.isCancelled {
                do {
                    let status = try await client.call(PINVerify.self, .init(subject: PINSubject.line(line), kind: .network, pin: pin))
                    if status.failures != 0 { wrong.withLock { $0.append("PIN status \(status)") } }
                    _ = try await client.call(SessionCheck.self, .init(token: session))
                    answered.add(1, ordering: .relaxed)
                } catch let refusal as RPCError {
                    wrong.withLock { $0.append("\(refusal.reason ?? "") \(refusal.message)") }
                } catch {
                    break  // The connection ended with the process: connect again.
                }
            }
            await client.close()
        }
    }
}
