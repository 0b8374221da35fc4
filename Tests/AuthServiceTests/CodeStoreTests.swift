@testable import AuthService
import AuthAPI
import Foundation
import GRDB
import JSONRPC
import Logging
import PostgresNIO
import PostgresStorage
@testable import ServiceKit
import Testing
import TestSupport

/// One-time codes on both engines, by the same tests, with two "hosts": two code books
/// over two stores of one database (two pools on one SQLite file; two clients of the
/// tests' private PostgreSQL cluster). The code is read back from the sealed outbox, as a
/// customer would from the mail.
@Suite struct CodeStoreTests {
    enum Engine: String, CaseIterable, CustomTestStringConvertible {
        case sqlite, postgres
        var testDescription: String { rawValue }
    }

    let logger = {
        var logger = Logger(label: "code-store-test")
        logger.logLevel = .warning
        return logger
    }()
    let purpose = try! CodePurpose(validating: "isp-link")
    let destination = try! CodeDestination(channel: .mail, to: "hanako@example.jp")

    struct Hosts: Sendable {
        var books: [OneTimeCodes]
        /// The code in the newest message of the outbox.
        var lastCodeSent: @Sendable () async throws -> String
    }

    func withHosts(_ engine: Engine, _ body: (Hosts) async throws -> Void) async throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let clockFile = folder.file("clock")
        try "2026-12-01T10:00:00+09:00".write(toFile: clockFile, atomically: true, encoding: .utf8)
        let secret = try ServerSecret.load(path: nil, stateDirectory: folder.path, createIfMissing: true)
        let clock = try FileClock(path: clockFile)
        let outbox = Outbox(secret: secret, clock: clock)
        let idempotentCalls = IdempotentCalls(secret: secret, clock: clock)
        func book(_ store: any CodeStore) -> OneTimeCodes {
            OneTimeCodes(
                store: store, clock: clock, hasher: SecretHasher(secret: secret, purpose: "one-time-code"),
                storageFaults: StorageFaults(logger: logger))
        }
        @Sendable func code(in sealed: Data?) throws -> String {
            let body = try outbox.open(try #require(sealed)).body
            return String(try #require(body.firstMatch(of: /確認コード: (\d+)/)).output.1)
        }
        switch engine {
        case .sqlite:
            let path = folder.file("auth.sqlite")
            let pools = try (0..<2).map { _ in
                try ServiceDatabase.open(path: path, secret: secret) { migrator in
                    AuthSchema.registerMigrations(in: &migrator)
                    OneTimeCodeRecord.registerMigrations(in: &migrator)
                }
            }
            let books = pools.map { book(SQLiteCodeStore(database: $0, outbox: outbox, idempotentCalls: idempotentCalls)) }
            try await body(
                Hosts(books: books) {
                    try code(in: try await pools[0].read { try Data.fetchOne($0, sql: "SELECT payload FROM outbox ORDER BY id DESC") })
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
                        book(PostgresCodeStore(client: client, schema: "auth", outbox: outbox, clock: clock, logger: logger))
                    }
                    try await body(
                        Hosts(books: books) {
                            var payload: Data?
                            for try await sealed in try await first.query(
                                "SELECT payload FROM auth.outbox ORDER BY id DESC LIMIT 1"
                            ).decode(Data.self) { payload = sealed }
                            return try code(in: payload)
                        })
                }
            }
        }
    }

    func reason(_ call: () async throws -> VerifiedCode) async -> String? {
        do {
            _ = try await call()
            return nil
        } catch let error as CodeError {
            return error.rpcError.reason
        } catch {
            return "\(error)"
        }
    }

    /// A code issued on one host is checked on the other, and used up for both.
    @Test(arguments: Engine.allCases) func aCodeIssuedOnOneHost_isUsedOnceOnEither(_ engine: Engine) async throws {
        try await withHosts(engine) { hosts in
            let (a, b) = (hosts.books[0], hosts.books[1])
            _ = try await a.issue(purpose: purpose, destination: destination)
            let code = try await hosts.lastCodeSent()
            #expect(try await b.verify(purpose: purpose, destination: destination, code: code).verified)
            #expect(await reason { try await a.verify(purpose: purpose, destination: destination, code: code) } == "code_not_found")
        }
    }

    /// The same right code sent to both hosts at once, ten times: exactly one check
    /// succeeds; every other finds no live code.
    @Test(arguments: Engine.allCases) func theSameCodeCheckedOnBothHostsAtOnce_succeedsOnce(_ engine: Engine) async throws {
        try await withHosts(engine) { hosts in
            _ = try await hosts.books[0].issue(purpose: purpose, destination: destination)
            let code = try await hosts.lastCodeSent()
            let (purpose, destination) = (purpose, destination)
            let successes = await withTaskGroup(of: Bool.self) { group in
                for index in 0..<10 {
                    let book = hosts.books[index % 2]
                    group.addTask { (try? await book.verify(purpose: purpose, destination: destination, code: code)) != nil }
                }
                return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
            }
            #expect(successes == 1)
        }
    }

    /// Wrong tries on both hosts add up: the fifth, wherever it is made, voids the code,
    /// and the right code is refused after it.
    @Test(arguments: Engine.allCases) func wrongTriesOnBothHosts_addUpToTheLimit(_ engine: Engine) async throws {
        try await withHosts(engine) { hosts in
            let (a, b) = (hosts.books[0], hosts.books[1])
            _ = try await b.issue(purpose: purpose, destination: destination)
            let code = try await hosts.lastCodeSent()
            let wrong = code == "000000" ? "111111" : "000000"
            for (index, book) in [a, b, a, b].enumerated() {
                #expect(await reason { try await book.verify(purpose: purpose, destination: destination, code: wrong) } == "code_incorrect",
                        "try \(index + 1)")
            }
            #expect(await reason { try await a.verify(purpose: purpose, destination: destination, code: wrong) } == "code_too_many_tries")
            #expect(await reason { try await b.verify(purpose: purpose, destination: destination, code: code) } == "code_not_found")
        }
    }

    /// A new code issued on one host voids the one issued on the other.
    @Test(arguments: Engine.allCases) func aNewCodeOnOneHost_voidsTheOldOneOnTheOther(_ engine: Engine) async throws {
        try await withHosts(engine) { hosts in
            let (a, b) = (hosts.books[0], hosts.books[1])
            _ = try await a.issue(purpose: purpose, destination: destination)
            let old = try await hosts.lastCodeSent()
            _ = try await b.issue(purpose: purpose, destination: destination)
            let new = try await hosts.lastCodeSent()
            if old != new {
                #expect(await reason { try await a.verify(purpose: purpose, destination: destination, code: old) } == "code_incorrect")
            }
            #expect(try await a.verify(purpose: purpose, destination: destination, code: new).verified)
        }
    }
}
