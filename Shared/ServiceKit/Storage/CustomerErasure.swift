import Foundation
import GRDB
import JSONRPC
import Logging
import MadoguchiModels
import PostgresNIO
import ServiceContract

/// Whose data an erasure removes: the customer and what the services know them by.
public struct ErasureSubject: Sendable {
    public var customerNumber: String
    public var phoneNumbers: [String]
    public var loginIDs: [String]
    /// The service clock's now.
    public var now: Date
}

/// A value an erasure rule's condition is given: text, an integer, or a list of text
/// (bound in SQLite as a JSON array for `json_each`, in PostgreSQL as `text[]`).
public enum ErasureValue: Sendable {
    case text(String)
    case integer(Int)
    case list([String])
}

/// One kind of row a customer's erasure removes (or keeps, saying why). Like
/// `RetentionRule`, it names its table and condition on each engine (`?1`… in SQLite,
/// `$1`… in PostgreSQL, where `{schema}` names the service's schema in a subquery), with
/// the values they take. A list is matched with `IN (SELECT value FROM json_each(?1))`
/// in SQLite and `= ANY($1)` in PostgreSQL.
public struct ErasureRule: Sendable {
    public enum Action: Sendable {
        case remove
        /// Counted and kept, for the reason given (a legal retention, the audit).
        case keep(why: String)
    }

    /// What the rows are, in the report: `contract`, `statements`.
    public var what: String
    public var sqlite: (table: String, condition: String)
    public var postgres: (table: String, condition: String)
    public var values: [ErasureValue]
    public var action: Action

    public init(
        _ what: String, sqlite: (table: String, condition: String), postgres: (table: String, condition: String),
        values: [ErasureValue], action: Action = .remove
    ) {
        (self.what, self.sqlite, self.postgres, self.values, self.action) = (what, sqlite, postgres, values, action)
    }
}

/// Applies a service's erasure rules in one transaction: every row goes, or (a fault)
/// none does; rules run in order, so children go before the rows they reference. The
/// erasure is recorded in the same transaction (`erasure_audit`: when, whose customer
/// number, which operator, how many rows of what — never the data removed).
struct CustomerErasure: Sendable {
    let storage: ServiceStorage
    let logger: Logger

    static func registerMigrations(in migrator: inout DatabaseMigrator) {
        migrator.registerMigration("erasure-audit-v1") { db in
            try db.create(table: "erasure_audit") { table in
                table.autoIncrementedPrimaryKey("id")
                table.column("at", .datetime).notNull()
                table.column("customerNumber", .text).notNull()
                table.column("peerUID", .integer).notNull()
                table.column("removed", .text).notNull()
            }
        }
        // Retention deletes by time through it (`RetentionPurge`).
        migrator.registerMigration("erasure-audit-v2-at") { db in
            try db.create(index: "erasure_audit_at", on: "erasure_audit", columns: ["at"])
        }
    }

    static func registerPostgresMigrations(in migrator: inout PostgresMigrator) {
        migrator.registerMigration(
            "erasure-audit-v1",
            [
                """
                CREATE TABLE \(migrator.schema).erasure_audit (
                    id bigserial PRIMARY KEY, at timestamptz NOT NULL, customer_number text NOT NULL,
                    peer_uid bigint NOT NULL, removed text NOT NULL)
                """
            ])
        // Retention deletes by time through it (`RetentionPurge`), as in the SQLite file.
        migrator.registerMigration(
            "erasure-audit-v2-at", ["CREATE INDEX IF NOT EXISTS erasure_audit_at ON \(migrator.schema).erasure_audit (at)"])
    }

    /// The erasure audit, kept as long as every audit.
    static func retention(keep: TimeInterval) -> RetentionRule {
        RetentionRule("erasure audit rows", sqlite: ("erasure_audit", "at < ?1"), postgres: ("erasure_audit", "at < $1"), keep: keep)
    }

    /// Who asked, recorded with a real erasure.
    struct Request: Sendable {
        var customerNumber: String
        var peerUID: Int64
        var at: Date
    }

    func erase(_ rules: [ErasureRule], request: Request?, service: String) async throws -> ErasureReport {
        let dryRun = request == nil
        var counts: [Int] = []
        switch storage {
        case .sqlite(let database):
            counts = try await database.write { db in
                let counts = try rules.map { rule -> Int in
                    let arguments = StatementArguments(rule.values.map(Self.sqliteValue))
                    let removing = !dryRun && rule.action.removes
                    let sql = removing
                        ? "DELETE FROM \(rule.sqlite.table) WHERE \(rule.sqlite.condition)"
                        : "SELECT count(*) FROM \(rule.sqlite.table) WHERE \(rule.sqlite.condition)"
                    if removing {
                        try db.execute(sql: sql, arguments: arguments)
                        return db.changesCount
                    }
                    return try Int.fetchOne(db, sql: sql, arguments: arguments) ?? 0
                }
                if let request {
                    try db.execute(
                        sql: "INSERT INTO erasure_audit (at, customerNumber, peerUID, removed) VALUES (?, ?, ?, ?)",
                        arguments: [request.at, request.customerNumber, request.peerUID, Self.summary(rules, counts)])
                }
                return counts
            }
        case .postgres(let client, let schema):
            let logger = logger
            counts = try await classifyingFaults(within: .seconds(60)) {
                try await client.withTransaction(logger: logger) { connection in
                    var counts: [Int] = []
                    for rule in rules {
                        let removing = !dryRun && rule.action.removes
                        let table = "\(schema).\(rule.postgres.table)"
                        let condition = rule.postgres.condition.replacingOccurrences(of: "{schema}", with: schema)
                        let sql = removing
                            ? "WITH gone AS (DELETE FROM \(table) WHERE \(condition) RETURNING 1) SELECT count(*) FROM gone"
                            : "SELECT count(*) FROM \(table) WHERE \(condition)"
                        var bindings = PostgresBindings()
                        for value in rule.values { Self.bind(value, to: &bindings) }
                        var count: Int64 = 0
                        for try await row in try await connection.query(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: logger)
                            .decode(Int64.self)
                        {
                            count = row
                        }
                        counts.append(Int(count))
                    }
                    if let request {
                        try await connection.query(
                            """
                            INSERT INTO \(unescaped: schema).erasure_audit (at, customer_number, peer_uid, removed)
                            VALUES (\(request.at), \(request.customerNumber), \(request.peerUID), \(Self.summary(rules, counts)))
                            """, logger: logger)
                    }
                    return counts
                }
            }
        }
        var report = ErasureReport(service: service, dryRun: dryRun, removed: [], kept: [], phoneNumbers: [], loginIds: [])
        for (rule, count) in zip(rules, counts) where count > 0 {
            switch rule.action {
            case .remove: report.removed.append(ErasedRows(what: rule.what, rows: count))
            case .keep(let why): report.kept.append(KeptRows(what: rule.what, rows: count, why: why))
            }
        }
        return report
    }

    /// `3 contract, 1 account`: what the audit keeps of an erasure.
    private static func summary(_ rules: [ErasureRule], _ counts: [Int]) -> String {
        zip(rules, counts).filter { $0.0.action.removes && $0.1 > 0 }.map { "\($0.1) \($0.0.what)" }.joined(separator: ", ")
    }

    private static func sqliteValue(_ value: ErasureValue) -> (any DatabaseValueConvertible)? {
        switch value {
        case .text(let text): text
        case .integer(let integer): integer
        case .list(let list): String(decoding: (try? JSONEncoder().encode(list)) ?? Data("[]".utf8), as: UTF8.self)
        }
    }

    private static func bind(_ value: ErasureValue, to bindings: inout PostgresBindings) {
        switch value {
        case .text(let text): bindings.append(text)
        case .integer(let integer): bindings.append(integer)
        case .list(let list): bindings.append(list)
        }
    }
}

extension ErasureRule.Action {
    var removes: Bool {
        if case .remove = self { return true }
        return false
    }
}

extension MethodRegistry {
    /// `customer.erase`, the same in every service: `definition`'s erasure rules, applied
    /// in one transaction, logged and recorded with the operator's uid (never the data removed).
    mutating func registerErasure<Definition: ServiceDefinition>(
        _ definition: Definition, storage: ServiceStorage, clock: any ServiceClock, logger: Logger
    ) {
        let erasure = CustomerErasure(storage: storage, logger: logger)
        register(CustomerErase.self) { params, context in
            var subject = ErasureSubject(
                customerNumber: params.customerNumber.digits, phoneNumbers: params.phoneNumbers ?? [],
                loginIDs: params.loginIds ?? [], now: clock.now())
            let known = try await definition.erasureIdentities(of: subject.customerNumber)
            subject.phoneNumbers = Array(Set(subject.phoneNumbers + known.phones)).sorted()
            subject.loginIDs = Array(Set(subject.loginIDs + known.logins)).sorted()
            let dryRun = params.dryRun ?? false
            let request = dryRun
                ? nil : CustomerErasure.Request(customerNumber: subject.customerNumber, peerUID: Int64(context.peer.uid), at: subject.now)
            var report = try await erasure.erase(
                definition.erasureRules(for: subject), request: request, service: Definition.name)
            (report.phoneNumbers, report.loginIds) = (known.phones, known.logins)
            if !dryRun {
                context.logger.notice(
                    "customer's personal data erased on request",
                    metadata: [
                        "customer": "\(subject.customerNumber)", "uid": "\(context.peer.uid)",
                        "removed": "\(report.removed.map { "\($0.rows) \($0.what)" }.joined(separator: ", "))",
                    ])
            }
            return report
        }
    }
}
