@testable import AuthService
import AuthAPI
import Foundation
import GRDB
import JSONRPC
import Logging
import MadoguchiModels
import PostgresNIO
import PostgresStorage
import ServiceKit
import Testing
import TestSupport

/// The PIN book on both engines, by the same tests, each with two "hosts": two PIN books
/// over two stores of one database — two pools on one SQLite file (two processes), or two
/// clients of the tests' private PostgreSQL cluster (two hosts). Time is the test clock's.
@Suite struct PINStoreTests {
    enum Engine: String, CaseIterable, CustomTestStringConvertible {
        case sqlite, postgres
        var testDescription: String { rawValue }
    }

    let logger = {
        var logger = Logger(label: "pin-store-test")
        logger.logLevel = .warning
        return logger
    }()
    let subject = try! PINSubject(validating: "line:09012345678")
    let right = try! PIN(validating: "4821")
    let wrong = try! PIN(validating: "1357")
    let peer = PeerCredentials(pid: 1, uid: 1000, gid: 1000)

    /// What a test sees of one database: a PIN book per host, the clock's file, and the
    /// database's own count of rows in `table`.
    struct Hosts: Sendable {
        var books: [PINBook]
        var clock: String
        var rows: @Sendable (_ table: String) async throws -> Int
    }

    func withHosts(_ engine: Engine, policy: PINPolicy = PINPolicy(), _ body: (Hosts) async throws -> Void) async throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let clockFile = folder.file("clock")
        try "2026-12-01T10:00:00+09:00".write(toFile: clockFile, atomically: true, encoding: .utf8)
        let secret = try ServerSecret.load(path: nil, stateDirectory: folder.path, createIfMissing: true)
        let clock = try FileClock(path: clockFile)
        let outbox = Outbox(secret: secret, clock: clock)
        let idempotentCalls = IdempotentCalls(secret: secret, clock: clock)
        func book(_ store: any PINStore) -> PINBook {
            let nobody = OperatorPolicy(groupName: "madoguchi-test-no-such-group")
            return PINBook(
                store: store, clock: clock, hasher: SecretHasher(secret: secret, purpose: "pin"), policy: policy,
                throttle: CallerThrottle(limit: 10_000, window: 3600),
                frontEnds: FrontEndPolicy(group: nobody, services: ServiceCallerPolicy(operators: nobody, services: nobody)),
                idempotentCalls: idempotentCalls, storageFaults: StorageFaults(logger: logger), unrecorded: PendingFailures())
        }
        switch engine {
        case .sqlite:
            let path = folder.file("auth.sqlite")
            let pools = try (0..<2).map { _ in
                try ServiceDatabase.open(path: path, secret: secret) { AuthSchema.registerMigrations(in: &$0) }
            }
            let books = pools.map { book(SQLitePINStore(database: $0, outbox: outbox, idempotentCalls: idempotentCalls)) }
            try await body(
                Hosts(books: books, clock: clockFile) { table in
                    try await pools[0].read { try Int.fetchOne($0, sql: "SELECT count(*) FROM \(table)") ?? 0 }
                })
            for pool in pools { try pool.close() }
        case .postgres:
            let cluster = try await PostgresCluster.shared()
            let url = try DatabaseURL(parsing: try await cluster.freshDatabase())
            try await PostgresCluster.withClient(url.clientConfiguration, logger: logger) { (first) async throws in
                try await PostgresCluster.withClient(url.clientConfiguration, logger: logger) { (second) async throws in
                    var migrator = PostgresMigrator(schema: "auth")
                    AuthPostgresSchema.registerMigrations(in: &migrator)
                    try await migrator.migrate(first, logger: logger)
                    let books = [first, second].map { client in
                        book(PostgresPINStore(client: client, schema: "auth", outbox: outbox, clock: clock, logger: logger))
                    }
                    try await body(
                        Hosts(books: books, clock: clockFile) { table in
                            var count = 0
                            for try await rows in try await first.query("SELECT count(*) FROM auth.\(unescaped: table)").decode(Int.self) {
                                count = rows
                            }
                            return count
                        })
                }
            }
        }
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
    @Test(arguments: Engine.allCases) func wrongPINsOnTwoHosts_lockItOnBoth(_ engine: Engine) async throws {
        try await withHosts(engine) { hosts in
            let (a, b) = (hosts.books[0], hosts.books[1])
            _ = try await a.set(right, subject: subject, kind: .network, holder: PINHolderFacts(), issued: false, channel: .web, peer: peer)
            #expect(await refusal { try await a.verify(wrong, subject: subject, kind: .network, peer: peer) } == AuthError.pinIncorrect(attemptsLeft: 2).rpcError)
            #expect(await refusal { try await b.verify(wrong, subject: subject, kind: .network, peer: peer) } == AuthError.pinIncorrect(attemptsLeft: 1).rpcError)
            let midnight = try #require(ISO8601.parse("2026-12-02T00:00:00+09:00"))
            #expect(await refusal { try await a.verify(wrong, subject: subject, kind: .network, peer: peer) } == AuthError.pinLocked(unlocksAt: midnight).rpcError)
            #expect(await refusal { try await b.verify(right, subject: subject, kind: .network, peer: peer) } == AuthError.pinLocked(unlocksAt: midnight).rpcError)
            #expect(try await b.status(subject: subject, kind: .network).locked)
            // Midnight opens it on the other host too, with its failures forgotten.
            try "2026-12-02T00:00:01+09:00".write(toFile: hosts.clock, atomically: true, encoding: .utf8)
            let status = try await b.verify(right, subject: subject, kind: .network, peer: peer)
            #expect(!status.locked && status.failures == 0)
            #expect(try await a.status(subject: subject, kind: .network).attemptsLeft == 3)
        }
    }

    /// Wrong PINs sent to both hosts at once are all counted: each check holds the PIN's
    /// row while it reads, counts and writes, so none overwrites another's count.
    @Test(arguments: Engine.allCases) func concurrentWrongPINsOnBothHosts_areAllCounted(_ engine: Engine) async throws {
        var policy = PINPolicy()
        policy.maximumFailures = 1_000
        try await withHosts(engine, policy: policy) { hosts in
            _ = try await hosts.books[0].set(
                right, subject: subject, kind: .network, holder: PINHolderFacts(), issued: false, channel: .web, peer: peer)
            let (subject, wrong, peer) = (subject, wrong, peer)
            await withTaskGroup(of: Void.self) { group in
                for index in 0..<40 {
                    let book = hosts.books[index % 2]
                    group.addTask { _ = try? await book.verify(wrong, subject: subject, kind: .network, peer: peer) }
                }
            }
            #expect(try await hosts.books[1].status(subject: subject, kind: .network).failures == 40)
            #expect(try await hosts.rows("audit") == 41)  // the set, and each failure
        }
    }

    /// A keyed check repeated on the other host is answered as the first was, from the
    /// record, and counted once.
    @Test(arguments: Engine.allCases) func aKeyedCheckRepeatedOnTheOtherHost_countsOnce(_ engine: Engine) async throws {
        try await withHosts(engine) { hosts in
            let (a, b) = (hosts.books[0], hosts.books[1])
            _ = try await a.set(right, subject: subject, kind: .network, holder: PINHolderFacts(), issued: false, channel: .web, peer: peer)
            let key = try IdempotencyKey(validating: "ivr-call-7f3a")
            let params = PINVerify.Params(subject: subject, kind: .network, pin: wrong)
            for book in [a, b] {
                let call = try book.idempotentCalls.call(PINVerify.name, key: key, params: params, peer: peer)
                #expect(await refusal { try await book.verify(wrong, subject: subject, kind: .network, peer: peer, repeating: call) }
                    == AuthError.pinIncorrect(attemptsLeft: 2).rpcError)
            }
            #expect(try await b.status(subject: subject, kind: .network).failures == 1)
        }
    }

    /// A PIN change accepted for later is applied once, with one mail, however many
    /// hosts' jobs find it due at the same time.
    @Test(arguments: Engine.allCases) func aDueChangeFoundByBothHosts_isAppliedOnce(_ engine: Engine) async throws {
        var policy = PINPolicy()
        policy.changeDelay = 4 * 24 * 3600
        try await withHosts(engine, policy: policy) { hosts in
            let (a, b) = (hosts.books[0], hosts.books[1])
            _ = try await a.set(right, subject: subject, kind: .network, holder: PINHolderFacts(), issued: false, channel: .web, peer: peer)
            let new = try PIN(validating: "6092")
            let accepted = try await a.change(
                current: right, new: new, subject: subject, kind: .network, holder: PINHolderFacts(),
                email: try EmailAddress(validating: "hanako@example.jp"), channel: .web, peer: peer)
            #expect(accepted.pendingChangeDueAt != nil)
            #expect(try await a.applyDueChanges() == 0)
            try "2026-12-05T10:00:01+09:00".write(toFile: hosts.clock, atomically: true, encoding: .utf8)
            async let first = a.applyDueChanges()
            async let second = b.applyDueChanges()
            #expect(try await first + second == 1)
            #expect(try await hosts.rows("outbox") == 1)
            _ = try await b.verify(new, subject: subject, kind: .network, peer: peer)
            #expect(await refusal { try await a.verify(right, subject: subject, kind: .network, peer: peer) } == AuthError.pinIncorrect(attemptsLeft: 2).rpcError)
        }
    }
}
