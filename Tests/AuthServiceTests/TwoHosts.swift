@testable import AuthService
import Foundation
import GRDB
import Logging
import PostgresNIO
import ServiceClient
@testable import ServiceKit
import TestSupport

/// Two "hosts" of auth over one database, on either engine: two pools on one SQLite file
/// (two processes), or two clients of the tests' private PostgreSQL cluster (two hosts,
/// the schema migrated once). Each host gets its own stores; time is the test clock's.
struct TwoHosts: Sendable {
    enum Engine: String, CaseIterable, CustomStringConvertible, Sendable {
        case sqlite, postgres
        var description: String { rawValue }
    }

    /// One host's stores.
    struct Stores: Sendable {
        var pins: any PINStore
        var codes: any CodeStore
        var sessions: any SessionStore
        var passwords: any PasswordStore
        var audit: any AuditTrail
        var attempts: any AttemptStore
    }

    var hosts: [Stores]
    /// The test clock's file: "now" for every store and book.
    var clockFile: String
    var clock: any ServiceClock
    var secret: ServerSecret
    var outbox: Outbox
    var idempotentCalls: IdempotentCalls
    var logger: Logger
    /// Rows of an auth table (named as in both engines: `audit`, `outbox`).
    var rows: @Sendable (_ table: String) async throws -> Int
    /// The newest message of the outbox, opened.
    var lastMessage: @Sendable () async throws -> OutboxMessage?
    /// Runs a statement on the database as it is (tables named `auth.pin` on PostgreSQL):
    /// to damage what no service would write.
    var execute: @Sendable (_ sql: String) async throws -> Void

    /// Sets the test clock.
    func setClock(_ instant: String) throws {
        try instant.write(toFile: clockFile, atomically: true, encoding: .utf8)
    }

    static func run(_ engine: Engine, _ body: (TwoHosts) async throws -> Void) async throws {
        var logger = Logger(label: "auth-two-hosts-test")
        logger.logLevel = .warning  // the pool logs each failed connection attempt at info
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let clockFile = folder.file("clock")
        try "2026-12-01T10:00:00+09:00".write(toFile: clockFile, atomically: true, encoding: .utf8)
        let secret = try ServerSecret.load(path: nil, stateDirectory: folder.path, createIfMissing: true)
        let clock = try FileClock(path: clockFile)
        let outbox = Outbox(secret: secret, clock: clock)
        let idempotentCalls = IdempotentCalls(secret: secret, clock: clock)
        func twoHosts(
            _ hosts: [Stores], rows: @escaping @Sendable (String) async throws -> Int,
            execute: @escaping @Sendable (String) async throws -> Void,
            lastPayload: @escaping @Sendable () async throws -> Data?
        ) -> TwoHosts {
            TwoHosts(
                hosts: hosts, clockFile: clockFile, clock: clock, secret: secret, outbox: outbox,
                idempotentCalls: idempotentCalls, logger: logger, rows: rows,
                lastMessage: { try await lastPayload().map { try outbox.open($0, keyVersion: 1) } }, execute: execute)
        }
        switch engine {
        case .sqlite:
            let path = folder.file("auth.sqlite")
            let pools = try (0..<2).map { _ in
                try ServiceDatabase.open(path: path, secret: secret) { migrator in
                    AuthSchema.registerMigrations(in: &migrator)
                    OneTimeCodeRecord.registerMigrations(in: &migrator)
                    SQLiteSessionStore.registerMigrations(in: &migrator)
                    SQLitePasswordStore.registerMigrations(in: &migrator)
                }
            }
            let hosts = pools.map { pool in
                Stores(
                    // As the service makes it: the check's read on the calling thread.
                    pins: SQLitePINStore(
                        database: pool, outbox: outbox, idempotentCalls: idempotentCalls,
                        inlineReaders: InlineReaders(path: path)),
                    codes: SQLiteCodeStore(database: pool, outbox: outbox, idempotentCalls: idempotentCalls),
                    sessions: SQLiteSessionStore(database: pool), passwords: SQLitePasswordStore(database: pool),
                    audit: SQLiteAuditTrail(database: pool), attempts: SQLiteAttemptStore(database: pool))
            }
            try await body(
                twoHosts(hosts) { table in
                    try await pools[0].read { try Int.fetchOne($0, sql: "SELECT count(*) FROM \(table)") ?? 0 }
                } execute: { sql in
                    try await pools[0].write { try $0.execute(sql: sql) }
                } lastPayload: {
                    try await pools[0].read { try Data.fetchOne($0, sql: "SELECT payload FROM outbox ORDER BY id DESC") }
                })
            for pool in pools { try pool.close() }
        case .postgres:
            try await PostgresCluster.withTwoHosts(logger: logger) { first, second, _ in
                var migrator = PostgresMigrator(schema: "auth")
                PostgresServiceTables.registerMigrations(in: &migrator)
                AuthPostgresSchema.registerMigrations(in: &migrator)
                try await migrator.migrate(first, logger: logger)
                let hosts = [first, second].map { client in
                    Stores(
                        pins: PostgresPINStore(client: client, schema: "auth", outbox: outbox, clock: clock, logger: logger),
                        codes: PostgresCodeStore(client: client, schema: "auth", outbox: outbox, clock: clock, logger: logger),
                        sessions: PostgresSessionStore(client: client, schema: "auth", logger: logger),
                        passwords: PostgresPasswordStore(client: client, schema: "auth", logger: logger),
                        audit: PostgresAuditTrail(client: client, schema: "auth", logger: logger),
                        attempts: PostgresAttemptStore(client: client, schema: "auth", logger: logger))
                }
                try await body(
                    twoHosts(hosts) { table in
                        var count = 0
                        for try await rows in try await first.query("SELECT count(*) FROM auth.\(unescaped: table)").decode(Int.self) {
                            count = rows
                        }
                        return count
                    } execute: { sql in
                        try await first.query(PostgresQuery(unsafeSQL: sql))
                    } lastPayload: {
                        var payload: Data?
                        for try await sealed in try await first.query(
                            "SELECT payload FROM auth.outbox ORDER BY id DESC LIMIT 1"
                        ).decode(Data.self) { payload = sealed }
                        return payload
                    })
            }
        }
    }

    /// A PIN book on `host`'s store (or on `store`, one made over it).
    func pinBook(_ host: Int, policy: PINPolicy = PINPolicy(), store: (any PINStore)? = nil) -> PINBook {
        PINBook(
            store: store ?? hosts[host].pins, clock: clock, hasher: SecretHasher(secret: secret, purpose: "pin"), policy: policy,
            throttle: CallerThrottle(limit: 10_000, window: 3600), frontEnds: Self.noFrontEnds,
            idempotentCalls: idempotentCalls, storageFaults: StorageFaults(logger: logger), unrecorded: PendingFailures())
    }

    /// One-time codes on `host`'s store.
    func codeBook(_ host: Int) -> OneTimeCodes {
        OneTimeCodes(
            store: hosts[host].codes, clock: clock, hasher: SecretHasher(secret: secret, purpose: "one-time-code"),
            storageFaults: StorageFaults(logger: logger),
            issues: AttemptThrottle(store: hosts[host].attempts, clock: clock, storageFaults: StorageFaults(logger: logger)),
            issueLimit: AttemptThrottle.Rule(limit: 1_000, window: 3600))
    }

    /// Passwords on `host`'s stores (scrypt at its cost of 2^14).
    func passwordBook(_ host: Int) -> Passwords {
        Passwords(
            store: hosts[host].passwords, audit: hosts[host].audit, clock: clock, hasher: PasswordHasher(secret: secret, threads: 1),
            policy: PasswordPolicy(), throttle: CallerThrottle(limit: 10_000, window: 3600), frontEnds: Self.noFrontEnds,
            storageFaults: StorageFaults(logger: logger), unrecorded: PendingFailures())
    }

    /// Sessions on `host`'s stores.
    func sessions(_ host: Int) -> Sessions {
        Sessions(
            store: hosts[host].sessions, clock: clock, hasher: SecretHasher(secret: secret, purpose: "session"),
            pins: pinBook(host), passwords: passwordBook(host), lifetime: 3600)
    }

    /// No caller relays origins in these tests.
    static let noFrontEnds = {
        let nobody = OperatorPolicy(groupName: "madoguchi-test-no-such-group")
        return FrontEndPolicy(group: nobody, services: ServiceCallerPolicy(operators: nobody, services: nobody))
    }()
}
