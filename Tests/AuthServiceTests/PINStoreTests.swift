@testable import AuthService
import AuthAPI
import Foundation
import JSONRPC
import MadoguchiModels
import ServiceKit
import ServiceContract
import Synchronization
import Testing

/// The PIN book on both engines, by the same tests, each with two hosts (`TwoHosts`).
@Suite struct PINStoreTests {
    let subject = try! PINSubject(validating: "line:09012345678")
    let right = try! PIN(validating: "4821")
    let wrong = try! PIN(validating: "1357")
    let peer = PeerCredentials(pid: 1, uid: 1000, gid: 1000)

    /// The PIN books of two hosts over one database.
    func withHosts(_ engine: TwoHosts.Engine, policy: PINPolicy = PINPolicy(), _ body: ([PINBook], TwoHosts) async throws -> Void)
        async throws
    {
        try await TwoHosts.run(engine) { hosts in try await body([hosts.pinBook(0, policy: policy), hosts.pinBook(1, policy: policy)], hosts) }
    }

    /// The refusal a call answers, as the wire carries it (a repeated keyed check answers
    /// the recorded `RPCError`, a first one the `AuthError`).
    func refusal(_ call: () async throws -> PINStatus) async -> RPCError? {
        do {
            _ = try await call()
            return nil
        } catch let error as AuthError {
            return error.rpcError
        } catch {
            return error as? RPCError
        }
    }

    /// Two wrong entries on one host and one on the other lock the PIN on both, until
    /// midnight in Tokyo on both: the count and the lock live in the shared store.
    @Test(arguments: TwoHosts.Engine.allCases) func wrongPINsOnTwoHosts_lockItOnBoth(_ engine: TwoHosts.Engine) async throws {
        try await withHosts(engine) { books, hosts in
            let (a, b) = (books[0], books[1])
            _ = try await a.set(right, subject: subject, kind: .network, holder: PINHolderFacts(), issued: false, channel: .web, peer: peer)
            #expect(await refusal { try await a.verify(wrong, subject: subject, kind: .network, peer: peer) } == AuthError.pinIncorrect(attemptsLeft: 2).rpcError)
            #expect(await refusal { try await b.verify(wrong, subject: subject, kind: .network, peer: peer) } == AuthError.pinIncorrect(attemptsLeft: 1).rpcError)
            let midnight = try #require(ISO8601.parse("2026-12-02T00:00:00+09:00"))
            #expect(await refusal { try await a.verify(wrong, subject: subject, kind: .network, peer: peer) } == AuthError.pinLocked(unlocksAt: midnight).rpcError)
            #expect(await refusal { try await b.verify(right, subject: subject, kind: .network, peer: peer) } == AuthError.pinLocked(unlocksAt: midnight).rpcError)
            #expect(try await b.status(subject: subject, kind: .network, peer: peer).locked)
            // Midnight opens it on the other host too, with its failures forgotten.
            try hosts.setClock("2026-12-02T00:00:01+09:00")
            let status = try await b.verify(right, subject: subject, kind: .network, peer: peer)
            #expect(!status.locked && status.failures == 0)
            #expect(try await a.status(subject: subject, kind: .network, peer: peer).attemptsLeft == 3)
        }
    }

    /// Wrong PINs sent to both hosts at once are all counted: each check holds the PIN's
    /// row while it reads, counts and writes, so none overwrites another's count.
    @Test(arguments: TwoHosts.Engine.allCases) func concurrentWrongPINsOnBothHosts_areAllCounted(_ engine: TwoHosts.Engine) async throws {
        var policy = PINPolicy()
        policy.maximumFailures = 1_000
        try await withHosts(engine, policy: policy) { books, hosts in
            _ = try await books[0].set(
                right, subject: subject, kind: .network, holder: PINHolderFacts(), issued: false, channel: .web, peer: peer)
            let (subject, wrong, peer) = (subject, wrong, peer)
            await withTaskGroup(of: Void.self) { group in
                for index in 0..<40 {
                    let book = books[index % 2]
                    group.addTask { _ = try? await book.verify(wrong, subject: subject, kind: .network, peer: peer) }
                }
            }
            #expect(try await books[1].status(subject: subject, kind: .network, peer: peer).failures == 40)
            #expect(try await hosts.rows("audit") == 41)  // the set, and each failure
        }
    }

    /// A keyed check repeated on the other host is answered as the first was, from the
    /// record, and counted once.
    @Test(arguments: TwoHosts.Engine.allCases) func aKeyedCheckRepeatedOnTheOtherHost_countsOnce(_ engine: TwoHosts.Engine) async throws {
        try await withHosts(engine) { books, hosts in
            let (a, b) = (books[0], books[1])
            _ = try await a.set(right, subject: subject, kind: .network, holder: PINHolderFacts(), issued: false, channel: .web, peer: peer)
            let key = try IdempotencyKey(validating: "ivr-call-7f3a")
            let params = PINVerify.Params(subject: subject, kind: .network, pin: wrong)
            for book in [a, b] {
                let call = try book.idempotentCalls.call(PINVerify.name, key: key, params: params, peer: peer)
                #expect(await refusal { try await book.verify(wrong, subject: subject, kind: .network, peer: peer, repeating: call) }
                    == AuthError.pinIncorrect(attemptsLeft: 2).rpcError)
            }
            #expect(try await b.status(subject: subject, kind: .network, peer: peer).failures == 1)
        }
    }

    /// A PIN change accepted for later is applied once, with one mail, however many
    /// hosts' jobs find it due at the same time.
    @Test(arguments: TwoHosts.Engine.allCases) func aDueChangeFoundByBothHosts_isAppliedOnce(_ engine: TwoHosts.Engine) async throws {
        var policy = PINPolicy()
        policy.changeDelay = 4 * 24 * 3600
        try await withHosts(engine, policy: policy) { books, hosts in
            let (a, b) = (books[0], books[1])
            _ = try await a.set(right, subject: subject, kind: .network, holder: PINHolderFacts(), issued: false, channel: .web, peer: peer)
            let new = try PIN(validating: "6092")
            let accepted = try await a.change(
                current: right, new: new, subject: subject, kind: .network, holder: PINHolderFacts(),
                email: try EmailAddress(validating: "hanako@example.jp"), channel: .web, peer: peer)
            #expect(accepted.pendingChangeDueAt != nil)
            #expect(try await a.applyDueChanges() == 0)
            try hosts.setClock("2026-12-05T10:00:01+09:00")
            async let first = a.applyDueChanges()
            async let second = b.applyDueChanges()
            #expect(try await first + second == 1)
            #expect(try await hosts.rows("outbox") == 1)
            _ = try await b.verify(new, subject: subject, kind: .network, peer: peer)
            #expect(await refusal { try await a.verify(right, subject: subject, kind: .network, peer: peer) } == AuthError.pinIncorrect(attemptsLeft: 2).rpcError)
        }
    }

    /// A check's write made against the row as read (`PINStore.replace`) lands only while
    /// the row is still so: once another host has written, it writes nothing, its audit
    /// lines neither, and says so (the check is then made again in a transaction).
    @Test(arguments: TwoHosts.Engine.allCases) func aWriteAgainstAStaleRead_changesNothing(_ engine: TwoHosts.Engine) async throws {
        try await withHosts(engine) { books, hosts in
            _ = try await books[0].set(
                right, subject: subject, kind: .network, holder: PINHolderFacts(), issued: false, channel: .web, peer: peer)
            let key = PINKey(subject, .network)
            let (a, b) = (hosts.hosts[0].pins, hosts.hosts[1].pins)
            let read = try #require(try await a.find(key))
            func failure(_ record: PINRecord, failures: Int, locked: Date? = nil) -> (PINRecord, [AuditEvent]) {
                var after = record
                after.failures = failures
                after.lockedUntil = locked
                after.updatedAt = hosts.clock.now()
                let entry = AuditEvent(
                    id: nil, at: after.updatedAt, event: "pin_failure", subject: record.subject, kind: record.kind.rawValue,
                    peerUID: 1000, detail: nil)
                return (after, [entry])
            }
            // Host B counts a failure first; host A's write from its earlier read loses.
            let (first, firstAudit) = failure(read, failures: 1)
            #expect(try await b.replace(read, with: first, audit: firstAudit))
            let (stale, staleAudit) = failure(read, failures: 1, locked: hosts.clock.now())
            #expect(try await !a.replace(read, with: stale, audit: staleAudit + staleAudit))
            #expect(try await a.find(key) == first)
            #expect(try await hosts.rows("audit") == 2)  // the set, and B's failure
            // From the row as it is now, the write lands, a lock with no audit line too.
            let (second, _) = failure(first, failures: 2, locked: hosts.clock.now().addingTimeInterval(3600))
            #expect(try await a.replace(first, with: second, audit: []))
            #expect(try await b.find(key) == second)
            #expect(try await hosts.rows("audit") == 2)
        }
    }

    /// The audit lines of a check's write are stored as given, in order: a kind or detail
    /// that is absent stays absent, and an empty one stays empty (PostgreSQL binds the
    /// lines as one array per column, absence as a flag of its own).
    @Test(arguments: TwoHosts.Engine.allCases) func aWritesAuditLines_areStoredAsGiven_inOrder(_ engine: TwoHosts.Engine) async throws {
        try await withHosts(engine) { books, hosts in
            _ = try await books[0].set(
                right, subject: subject, kind: .network, holder: PINHolderFacts(), issued: false, channel: .web, peer: peer)
            let store = hosts.hosts[0].pins
            let read = try #require(try await store.find(PINKey(subject, .network)))
            var after = read
            after.failures = 1
            let at = hosts.clock.now()
            let lines = [
                AuditEvent(id: nil, at: at, event: "first", subject: subject.value, kind: nil, peerUID: 1000, detail: nil),
                AuditEvent(id: nil, at: at, event: "second", subject: subject.value, kind: "", peerUID: 0, detail: ""),
                AuditEvent(id: nil, at: at, event: "third", subject: subject.value, kind: "network", peerUID: 65534, detail: #"{"why":"x"}"#),
            ]
            #expect(try await store.replace(read, with: after, audit: lines))
            let stored = try await hosts.hosts[1].audit.newest(subject: subject.value, in: AuditRange(since: nil, until: nil), limit: 3)
            func fields(_ event: AuditEvent) -> [String?] {
                [event.event, event.subject, event.kind, String(event.peerUID), event.detail, ISO8601.tokyo(event.at)]
            }
            #expect(stored.reversed().map(fields) == lines.map(fields))
        }
    }

    /// A wrong entry's count against its caller for the fleet is written with the PIN's
    /// own write where the store can (PostgreSQL: in the same statement, one commit):
    /// counted when that write lands, and not when it finds the row changed. SQLite keeps
    /// no fleet count (one host) and says it counted nothing, so the caller counts it.
    @Test(arguments: TwoHosts.Engine.allCases) func aCallersFailure_isCountedOnlyWithTheWriteItBelongsTo(_ engine: TwoHosts.Engine)
        async throws
    {
        try await withHosts(engine) { books, hosts in
            _ = try await books[0].set(
                right, subject: subject, kind: .network, holder: PINHolderFacts(), issued: false, channel: .web, peer: peer)
            let key = PINKey(subject, .network)
            let (a, b) = (hosts.hosts[0].pins, hosts.hosts[1].pins)
            let read = try #require(try await a.find(key))
            let caller = "caller:uid:1000"
            let failure = FleetFailure(
                key: caller, failures: AttemptStoreFailures(rule: .init(limit: 5, window: 3600), count: 1), at: hosts.clock.now())
            func counted() async throws -> Int? { try await a.findForCheck(key, callerFailures: caller).callerFailures?.failures }
            var first = read
            first.failures = 1
            first.updatedAt = hosts.clock.now()
            let folds = engine == .postgres
            #expect(try await b.replace(read, with: first, audit: [], callerFailure: failure) == .written(callerFailureCounted: folds))
            #expect(try await a.replace(read, with: first, audit: [], callerFailure: failure) == .notWritten)
            #expect(try await counted() == (folds ? 1 : nil))
            var second = first
            second.failures = 2
            #expect(try await a.replace(first, with: second, audit: [], callerFailure: failure) == .written(callerFailureCounted: folds))
            #expect(try await counted() == (folds ? 2 : nil))
            #expect(try await b.find(key) == second)
        }
    }

    /// Checks' reads made at once on both hosts — more than the statements of checks'
    /// reads that may be out, so that on PostgreSQL they go together (`BatchedReads`) —
    /// each find their own line's PIN (or none) and their own caller's count, never
    /// another's; a line asked for twice in the same moment is read for both.
    @Test(arguments: TwoHosts.Engine.allCases) func checksReadAtOnce_eachFindTheirOwnPINAndCount(_ engine: TwoHosts.Engine)
        async throws
    {
        try await withHosts(engine) { books, hosts in
            let lines = try (0..<24).map { try PINSubject(validating: "line:0901234\(String(format: "%04d", $0))") }
            for (index, line) in lines.enumerated() where index % 5 != 4 {  // every fifth line has no PIN
                _ = try await books[0].set(right, subject: line, kind: .network, holder: PINHolderFacts(), issued: false, channel: .web, peer: peer)
                for _ in 0..<(index % 3) { _ = await refusal { try await books[1].verify(wrong, subject: line, kind: .network, peer: peer) } }
            }
            // Caller i has i failures counted for the fleet.
            let rule = AttemptThrottle.Rule(limit: 1_000, window: 3600)
            for index in 1..<24 {
                try await hosts.hosts[0].attempts.add(["caller:\(index)": AttemptStoreFailures(rule: rule, count: index)], at: hosts.clock.now())
            }
            let asked = Array(0..<24) + [7, 7, 12]
            // On PostgreSQL one statement out at a time on each host: the reads asked for
            // meanwhile go together.
            let stores = hosts.hosts.map { ($0.pins as? PostgresPINStore)?.with(checkBatchesInFlight: 1) ?? $0.pins }
            let reads = try await withThrowingTaskGroup(of: (Int, Int, PINCheckRead).self) { group in
                for (position, index) in asked.enumerated() {
                    group.addTask {
                        let read = try await stores[position % 2].findForCheck(
                            PINKey(lines[index], .network), callerFailures: index % 4 == 0 ? nil : "caller:\(index)")
                        return (position, index, read)
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(reads.count == asked.count)
            // On PostgreSQL some of them did go together, each answered from its own row.
            if engine == .postgres {
                #expect(stores.compactMap { ($0 as? PostgresPINStore)?.largestCheckBatchSent }.max() ?? 0 > 1)
            }
            for (position, index, read) in reads {
                if index % 5 == 4 {
                    #expect(read.record == nil, "read \(position)")
                } else {
                    #expect(read.record?.subject == lines[index].value && read.record?.failures == index % 3, "read \(position)")
                }
                #expect(read.callerFailures?.failures == (index % 4 == 0 ? nil : index), "read \(position)")
            }
        }
    }

    /// Times read back compare equal to themselves, in any year: were one to come back a
    /// microsecond off (postgres-nio writes a `Date` truncated), every check's write
    /// would fail its comparison and take the transaction.
    @Test(arguments: TwoHosts.Engine.allCases) func aRowReadBack_isFoundUnchanged_atAnyTime(_ engine: TwoHosts.Engine) async throws {
        try await withHosts(engine) { books, hosts in
            _ = try await books[0].set(
                right, subject: subject, kind: .network, holder: PINHolderFacts(), issued: false, channel: .web, peer: peer)
            let key = PINKey(subject, .network)
            let store = hosts.hosts[0].pins
            let times = [
                ("2026-12-03T10:00:00Z", 0.123456), ("2034-06-01T10:00:00Z", 0.123), ("2034-06-01T10:00:01Z", 0.123457),
                ("2035-03-03T03:03:03Z", 0.000001), ("2035-03-03T03:03:04Z", 0.999999), ("2068-07-01T00:00:00Z", 0.5),
            ]
            for (whole, fraction) in times {
                let text = "\(whole) + \(fraction) s"
                let time = try #require(ISO8601.parse(whole)).addingTimeInterval(fraction)
                var written = try #require(try await store.find(key))
                let before = written
                written.updatedAt = time
                written.lockedUntil = time
                written.pendingDueAt = time
                #expect(try await store.replace(before, with: written, audit: []), "\(text)")
                let read = try #require(try await store.find(key))
                var next = read
                next.failures += 1
                #expect(try await store.replace(read, with: next, audit: []), "read back at \(text)")
            }
        }
    }

    /// A wrong PIN with no one else writing is one write against the row as read, not a
    /// transaction; when another host's wrong PIN lands between this check's read and its
    /// write, the check is made again and answers what the row then says — here the lock
    /// that this third wrong entry makes — and every entry is counted once.
    @Test(arguments: TwoHosts.Engine.allCases) func aWrongPIN_isWrittenAgainstItsRead_orCheckedAgain(_ engine: TwoHosts.Engine) async throws {
        try await withHosts(engine) { books, hosts in
            _ = try await books[0].set(
                right, subject: subject, kind: .network, holder: PINHolderFacts(), issued: false, channel: .web, peer: peer)
            let (subject, right, wrong, peer) = (subject, right, wrong, peer)
            let other = books[1]
            let watched = WatchedPINStore(base: hosts.hosts[0].pins)
            let book = hosts.pinBook(0, store: watched)
            // A right PIN with nothing to clear is answered from the read: no write at all.
            #expect(try await book.verify(right, subject: subject, kind: .network, peer: peer).failures == 0)
            #expect(watched.calls == WatchedPINStore.Calls(replaces: 0, updates: 0))
            #expect(await refusal { try await book.verify(wrong, subject: subject, kind: .network, peer: peer) } == AuthError.pinIncorrect(attemptsLeft: 2).rpcError)
            #expect(watched.calls == WatchedPINStore.Calls(replaces: 1, updates: 0))
            // Host B's wrong PIN lands between this check's read and its write.
            watched.beforeNextReplace { _ = try? await other.verify(wrong, subject: subject, kind: .network, peer: peer) }
            let midnight = try #require(ISO8601.parse("2026-12-02T00:00:00+09:00"))
            #expect(await refusal { try await book.verify(wrong, subject: subject, kind: .network, peer: peer) } == AuthError.pinLocked(unlocksAt: midnight).rpcError)
            #expect(watched.calls == WatchedPINStore.Calls(replaces: 2, updates: 1))
            let status = try await other.status(subject: subject, kind: .network, peer: peer)
            #expect(status.locked && status.failures == 3)
            #expect(try await hosts.rows("audit") == 5)  // the set, three failures, the lock
        }
    }

    /// The database locked between a wrong PIN's read and its write (another session holds
    /// the PIN's row past the store's time limit): the check answers `storage_unavailable`,
    /// never an answer about the PIN, and the wrong entry is not lost — it is written before
    /// the PIN is checked again (at least once: a statement the server ran after its limit
    /// may count it twice, the closed side).
    @Test func aDatabaseLockedBetweenReadAndWrite_failsTheCheckClosed_andKeepsTheFailure() async throws {
        try await withHosts(.postgres) { books, hosts in
            _ = try await books[0].set(
                right, subject: subject, kind: .network, holder: PINHolderFacts(), issued: false, channel: .web, peer: peer)
            let store = try #require(hosts.hosts[0].pins as? PostgresPINStore).with(timeLimit: .seconds(1))
            let other = try #require(hosts.hosts[1].pins as? PostgresPINStore).client
            let watched = WatchedPINStore(base: store)
            let book = hosts.pinBook(0, store: watched)
            let (locked, release) = (AsyncStream<Void>.makeStream(), AsyncStream<Void>.makeStream())
            let holder = Task {
                try await other.withTransaction(logger: hosts.logger) { connection in
                    try await connection.query("SELECT 1 FROM auth.pin FOR UPDATE", logger: hosts.logger)
                    locked.continuation.yield()
                    for await _ in release.stream { break }
                }
            }
            watched.beforeNextReplace { for await _ in locked.stream { break } }
            let refused = await refusal { try await book.verify(wrong, subject: subject, kind: .network, peer: peer) }
            #expect(refused?.data?["reason"] == .string("storage_unavailable"), "\(String(describing: refused))")
            // Held, not lost: the statement sent may yet run, but this host cannot know it did.
            #expect(book.unrecorded.count(PINBook.failureKey(subject: subject, kind: .network)) == 1)
            release.continuation.yield()
            try await holder.value
            // The next check writes the held failure first, then answers about the PIN.
            _ = await refusal { try await book.verify(right, subject: subject, kind: .network, peer: peer) }
            #expect(try await hosts.rows("audit") >= 2)  // the set, and the failure
            let audit = try await hosts.rows("audit")
            #expect(audit <= 3, "\(audit) audit lines")
        }
    }

    /// A PIN row holding what its column cannot (text in `failures`: a damaged or
    /// hand-edited SQLite file; PostgreSQL's typed columns refuse such a write) fails the
    /// check either way — the right PIN is not granted, a wrong one is not counted — and
    /// changes nothing; once mended, the PIN checks as before.
    @Test func aDamagedRow_failsTheCheck_andChangesNothing() async throws {
        try await TwoHosts.run(.sqlite) { hosts in
            let book = hosts.pinBook(0)
            _ = try await book.set(right, subject: subject, kind: .network, holder: PINHolderFacts(), issued: false, channel: .web, peer: peer)
            try await hosts.execute("UPDATE pin SET failures = 'many'")
            for pin in [right, wrong] {
                do {
                    let granted = try await book.verify(pin, subject: subject, kind: .network, peer: peer)
                    Issue.record("a damaged row answered \(granted)")
                } catch {
                    #expect(error is UnreadableColumn, "\(error)")
                }
            }
            #expect(try await hosts.rows("audit") == 1, "only the set")
            try await hosts.execute("UPDATE pin SET failures = 0")
            #expect(try await book.verify(right, subject: subject, kind: .network, peer: peer).failures == 0)
        }
    }
}

/// A host's PIN store that counts the writes made through it, and can let another writer
/// in just before the next `replace`, as a check on another host would between this
/// check's read and its write.
final class WatchedPINStore: PINStore, Sendable {
    struct Calls: Equatable, Sendable {
        var replaces = 0
        var updates = 0
    }

    let base: any PINStore
    private let state = Mutex<(calls: Calls, interleave: (@Sendable () async -> Void)?)>((Calls(), nil))

    init(base: any PINStore) { self.base = base }

    var calls: Calls { state.withLock { $0.calls } }
    func beforeNextReplace(_ write: @escaping @Sendable () async -> Void) { state.withLock { $0.interleave = write } }

    func find(_ key: PINKey) async throws -> PINRecord? { try await base.find(key) }
    func findForCheck(_ key: PINKey, callerFailures caller: String?) async throws -> PINCheckRead {
        try await base.findForCheck(key, callerFailures: caller)
    }
    func update<Outcome: Sendable>(
        _ key: PINKey, keyedCheck: IdempotentCalls.Call?,
        _ change: @escaping @Sendable (inout PINRecord?, inout PINChanges) throws -> Outcome
    ) async throws -> PINUpdate<Outcome> {
        state.withLock { $0.calls.updates += 1 }
        return try await base.update(key, keyedCheck: keyedCheck, change)
    }
    func replace(_ before: PINRecord, with after: PINRecord, audit: [AuditEvent], callerFailure: FleetFailure?) async throws
        -> PINReplacement
    {
        let interleave = state.withLock { state in
            state.calls.replaces += 1
            defer { state.interleave = nil }
            return state.interleave
        }
        await interleave?()
        return try await base.replace(before, with: after, audit: audit, callerFailure: callerFailure)
    }
    func dueChanges(at now: Date, limit: Int) async throws -> [PINKey] { try await base.dueChanges(at: now, limit: limit) }
}
