import Foundation
import JSONRPC
import Logging
import NIOCore
import PostgresNIO
import ServiceContract

/// A dataset a service can keep in PostgreSQL: at commit, its admitted rows are applied a
/// page at a time, in file order, in the commit's transaction.
public protocol PostgresImportDataset: ImportDataset {
    /// Applies `batch` (staged forms, in file order) on `connection`, inside the commit's
    /// transaction, and says what each row did, or the problem that refuses it (it clashes
    /// with what is stored, or with a row applied before it).
    func apply(staged batch: [Data], schema: String, on connection: PostgresConnection, logger: Logger) async throws
        -> [Result<ImportOutcome, ImportRowProblem>]
}

extension StagedImports where Dataset: PostgresImportDataset {
    /// Imports staged on the service's engine: its SQLite file, or its PostgreSQL schema.
    public init(dataset: Dataset, storage: ServiceStorage, clock: any ServiceClock, logger: Logger) {
        switch storage {
        case .sqlite(let database):
            self.init(dataset: dataset, database: database, clock: clock)
        case .postgres(let client, let schema):
            self.init(
                dataset: dataset,
                staging: PostgresImportStaging(dataset: dataset, client: client, schema: schema, logger: logger),
                clock: clock)
        }
    }
}

/// Imports abandoned in PostgreSQL, purged when a host starts: SQLite's file is the one
/// host's, so its start removes every staged import (`ImportStore.purgeAll`); PostgreSQL's
/// are shared, and another host may be importing now, so a start removes those whose last
/// batch is older than `abandonedAfter` (a client sends its batches back to back, then
/// commits) and that no commit holds (`SKIP LOCKED`: a commit of a million rows runs
/// for minutes and is never waited on here). The rows a crash left — personal data in
/// clear — go at the next start, not a day later.
public enum PostgresImportPurge {
    /// How long an import may go without a batch before a starting host takes it for abandoned.
    public static let abandonedAfter: TimeInterval = 600

    /// Removes the abandoned imports of `schema` at `now`; returns how many.
    public static func abandoned(client: PostgresClient, schema: String, at now: Date, logger: Logger) async throws -> Int {
        try await classifyingFaults(within: .seconds(30)) {
            let rows = try await client.query(
                """
                DELETE FROM \(unescaped: schema).import_job WHERE id IN (
                    SELECT id FROM \(unescaped: schema).import_job
                    WHERE coalesce(touched_at, created_at) < \(now.addingTimeInterval(-abandonedAfter))
                    FOR UPDATE SKIP LOCKED)
                RETURNING id
                """, logger: logger)
            var removed = 0
            for try await _ in rows.decode(String.self) { removed += 1 }
            return removed
        }
    }
}

/// Imports staged in PostgreSQL (`<schema>.import_job`, `<schema>.import_row`), shared by
/// every host: batches may arrive on any host, and the commit runs once — it holds the
/// import's row, so a second commit (on any host) waits and then finds it gone.
struct PostgresImportStaging<Dataset: PostgresImportDataset>: ImportStaging {
    let dataset: Dataset
    let client: PostgresClient
    let schema: String
    let logger: Logger
    /// Staged rows read and applied at a time.
    var pageSize = 1_000
    /// How long beginning or staging a batch may take.
    var timeLimit: Duration = .seconds(30)
    /// How long a commit may take: a million rows take minutes.
    var commitTimeLimit: Duration = .seconds(30 * 60)

    func begin(_ id: String, dataset: String, at now: Date, peerUID: UInt32, purgingBefore: Date) async throws {
        try await classifyingFaults(within: timeLimit) { [client, schema, logger] in
            try await client.withTransaction(logger: logger) { connection in
                try await connection.query(
                    "DELETE FROM \(unescaped: schema).import_job WHERE created_at < \(purgingBefore)", logger: logger)
                try await connection.query(
                    """
                    INSERT INTO \(unescaped: schema).import_job (id, dataset, created_at, peer_uid, touched_at)
                    VALUES (\(id), \(dataset), \(now), \(Int64(peerUID)), \(now))
                    """, logger: logger)
            }
        }
    }

    func add(_ rows: [StagedImportRow], to importId: String, dataset: String, notBefore: Date, at now: Date) async throws -> Int {
        try await classifyingFaults(within: timeLimit) { [client, schema, logger] in
            try await client.withTransaction(logger: logger) { connection in
                try await Self.requireJob(importId, dataset: dataset, notBefore: notBefore, schema: schema, on: connection, logger: logger)
                // One statement for the whole batch: a round trip per row would be most
                // of a large import's time.
                try await connection.query(
                    """
                    INSERT INTO \(unescaped: schema).import_row (job_id, row, key, fields, problem)
                    SELECT \(importId), * FROM unnest(
                      \(rows.map { Int64($0.row) })::bigint[], \(rows.map(\.key))::text[],
                      \(rows.map { ByteBuffer(bytes: $0.fields) })::bytea[],
                      \(rows.map { ByteBuffer(bytes: $0.problem ?? Data()) })::bytea[])
                    """, logger: logger)
                let counts = try await connection.query(
                    """
                    UPDATE \(unescaped: schema).import_job SET staged = staged + \(Int64(rows.count)), touched_at = \(now)
                    WHERE id = \(importId) RETURNING staged
                    """, logger: logger)
                for try await staged in counts.decode(Int64.self) { return Int(staged) }
                throw ImportError.notFound
            }
        }
    }

    func commit(_ importId: String, dataset: String, notBefore: Date) async throws -> ImportReport {
        try await classifyingFaults(within: commitTimeLimit) { [self] in
            try await client.withTransaction(logger: logger) { connection in
                try await Self.requireJob(importId, dataset: dataset, notBefore: notBefore, schema: schema, on: connection, logger: logger)
                // Commits of one dataset take turns, whatever hosts they run on, as SQLite's
                // one writer makes them: each page is judged against what is stored, and a
                // second import moving the same SIM or address at once would otherwise be
                // judged without the first and fail on the unique index instead of being
                // refused row by row.
                try await connection.query(
                    "SELECT pg_advisory_xact_lock(hashtextextended(\("import-commit:\(schema).\(dataset)"), 0))", logger: logger)
                var ledger = ImportLedger(dataset: dataset)
                var after: (row: Int64, seq: Int64) = (.min, .min)
                while true {
                    let page = try await stagedRows(of: importId, after: after, on: connection)
                    guard let last = page.last else { break }
                    after = (last.row, last.seq)
                    var admitted: [(row: Int, fields: Data)] = []
                    for staged in page where ledger.admit(row: Int(staged.row), key: staged.key, problem: staged.problem) {
                        admitted.append((Int(staged.row), staged.fields))
                    }
                    guard !admitted.isEmpty else { continue }
                    let outcomes = try await self.dataset.apply(
                        staged: admitted.map(\.fields), schema: schema, on: connection, logger: logger)
                    for (row, outcome) in zip(admitted, outcomes) {
                        switch outcome {
                        case .success(let outcome): ledger.record(outcome)
                        case .failure(let conflict): ledger.reject(row: row.row, conflict)
                        }
                    }
                }
                // Throwing rolls back every row applied above.
                let report = try ledger.finish()
                try await connection.query("DELETE FROM \(unescaped: schema).import_job WHERE id = \(importId)", logger: logger)
                return report
            }
        }
    }

    func drop(_ importId: String) async throws {
        try await classifyingFaults(within: timeLimit) { [client, schema, logger] in
            try await client.query("DELETE FROM \(unescaped: schema).import_job WHERE id = \(importId)", logger: logger)
        }
    }

    func cancel(_ importId: String, dataset: String) async throws -> Bool {
        try await classifyingFaults(within: timeLimit) { [client, schema, logger] in
            let rows = try await client.query(
                "DELETE FROM \(unescaped: schema).import_job WHERE id = \(importId) AND dataset = \(dataset) RETURNING id",
                logger: logger)
            var found = false
            for try await _ in rows.decode(String.self) { found = true }
            return found
        }
    }

    private struct StagedRow {
        var row: Int64
        var seq: Int64
        var key: String
        var fields: Data
        var problem: ImportRowProblem?
    }

    /// The next page of the import's staged rows after `after`, in file order.
    private func stagedRows(of importId: String, after: (row: Int64, seq: Int64), on connection: PostgresConnection)
        async throws -> [StagedRow]
    {
        let rows = try await connection.query(
            """
            SELECT row, seq, key, fields, problem FROM \(unescaped: schema).import_row
            WHERE job_id = \(importId) AND (row, seq) > (\(after.row), \(after.seq))
            ORDER BY row, seq LIMIT \(Int64(pageSize))
            """, logger: logger)
        var page: [StagedRow] = []
        let decoder = JSONCoding.decoder
        for try await (row, seq, key, fields, problem) in rows.decode((Int64, Int64, String, Data, Data?).self) {
            let refusal = try problem.flatMap { $0.isEmpty ? nil : try decoder.decode(ImportRowProblem.self, from: $0) }
            page.append(StagedRow(row: row, seq: seq, key: key, fields: fields, problem: refusal))
        }
        return page
    }

    /// Holds the import's row for the rest of the transaction, or throws
    /// `ImportError.notFound`.
    private static func requireJob(
        _ importId: String, dataset: String, notBefore: Date, schema: String, on connection: PostgresConnection, logger: Logger
    ) async throws {
        let held = try await connection.returnsRow(
            """
            SELECT 1 FROM \(unescaped: schema).import_job
            WHERE id = \(importId) AND dataset = \(dataset) AND created_at >= \(notBefore) FOR UPDATE
            """, logger: logger)
        guard held else { throw ImportError.notFound }
    }
}
