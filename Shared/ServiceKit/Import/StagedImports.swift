import Foundation
import GRDB
import JSONRPC
import MadoguchiModels

/// Staged, all-or-nothing imports: a file's rows arrive in batches (a file may be far
/// larger than one message), are checked as they arrive, wait in a staging table, and are
/// applied in one transaction at commit. Staged imports left uncommitted for a day are dropped.
public struct StagedImports<Dataset: ImportDataset>: Sendable {
    let dataset: Dataset
    let database: DatabasePool
    let clock: any ServiceClock
    /// How long an uncommitted import is kept.
    static var lifetime: TimeInterval { 24 * 3600 }

    public init(dataset: Dataset, database: DatabasePool, clock: any ServiceClock) {
        self.dataset = dataset
        self.database = database
        self.clock = clock
    }

    func begin(peer: PeerCredentials) async throws -> ImportHandle {
        let now = clock.now()
        let id = UUID().uuidString.lowercased()
        try await database.write { db in
            try db.execute(
                sql: "DELETE FROM import_job WHERE createdAt < ?", arguments: [now.addingTimeInterval(-Self.lifetime)])
            try db.execute(
                sql: "INSERT INTO import_job (id, dataset, createdAt, peerUID) VALUES (?, ?, ?, ?)",
                arguments: [id, Dataset.Kind.name, now, Int64(peer.uid)])
        }
        return ImportHandle(importId: id)
    }

    /// Checks each row as it arrives (batches on several connections are checked side by
    /// side) and stages the typed row, or why it is refused; commit only applies.
    func add(_ rows: [ImportRow], to importId: String) async throws -> ImportStaged {
        let batch = try staged(rows)
        return try await database.write { db in
            try requireJob(importId, in: db)
            let insert = try db.cachedStatement(
                sql: "INSERT INTO import_row (jobId, row, key, fields, problem) VALUES (?, ?, ?, ?, ?)")
            for row in batch { try insert.execute(arguments: [importId, row.row, row.key, row.data, row.problem]) }
            // Counted as batches arrive: counting the staged rows each time made a
            // million-row import quadratic.
            try db.execute(sql: "UPDATE import_job SET staged = staged + ? WHERE id = ?", arguments: [batch.count, importId])
            return ImportStaged(staged: try Int.fetchOne(db, sql: "SELECT staged FROM import_job WHERE id = ?", arguments: [importId]) ?? 0)
        }
    }

    /// Reads and encodes each row as staging does, storing nothing: the row checks alone
    /// (a refused row is a normal outcome here, reported at commit).
    public func check(_ rows: [ImportRow]) {
        _ = try? staged(rows)
    }

    /// Each row as it is staged: its key and staged form, or the problem that refuses it.
    private func staged(_ rows: [ImportRow]) throws -> [(row: Int, key: String?, data: Data, problem: Data?)] {
        let encoder = JSONCoding.encoder
        return try rows.map { row in
            switch parse(row.fields) {
            case .success(let parsed):
                return (row.row, dataset.key(of: parsed), try dataset.staged(parsed), nil)
            case .failure(let problem):
                return (row.row, nil, Data(), try encoder.encode(problem))
            }
        }
    }

    private func parse(_ fields: [String: JSONValue]) -> Result<Dataset.Row, ImportRowProblem> {
        do {
            return .success(try dataset.parse(ImportFields(fields)))
        } catch let problem as ImportRowProblem {
            return .failure(problem)
        } catch let invalid as ModelValidationError {
            return .failure(ImportRowProblem(field: invalid.field, reason: invalid.reason, message: invalid.message))
        } catch {
            return .failure(ImportRowProblem(field: nil, reason: "invalid_row", message: "This row cannot be read."))
        }
    }

    /// Checks every staged row and applies all of them if none is refused, in one pass
    /// and one transaction: rows are applied as they pass, and the first refusal rolls
    /// everything back (the remaining rows are still checked, for the report). The staged
    /// rows are gone afterwards either way.
    func commit(_ importId: String) async throws -> ImportReport {
        do {
            return try await database.writeWithoutTransaction { db in
                try Self.asLargeWrite(db) {
                    var report: ImportReport?
                    try db.inTransaction {
                        report = try apply(importId, in: db)
                        return .commit
                    }
                    return report!
                }
            }
        } catch let refusal as ImportError {
            if case .rejected = refusal {
                // A refused file is corrected and sent again as a new import.
                try await database.write { db in
                    try db.execute(sql: "DELETE FROM import_job WHERE id = ?", arguments: [importId])
                }
            }
            throw refusal
        }
    }

    /// Runs one large write (a million-row commit) with room for it, then folds the
    /// write-ahead log, which grew to the size of the write, back into the database:
    /// - a cache large enough that pages are not written to the log again and again as
    ///   the transaction spills them;
    /// - `secure_delete` FAST instead of ON while the staged rows are removed: zeroing
    ///   every freed page rewrote the whole staging table. What may linger in free pages
    ///   is imported data that is in the tables anyway (no dataset stages a secret);
    /// - a truncating checkpoint, so that the next large write appends to a new log
    ///   instead of overwriting an old one block by block, and the disk is given back.
    private static func asLargeWrite<T>(_ db: Database, _ body: () throws -> T) throws -> T {
        let cacheSize = try Int.fetchOne(db, sql: "PRAGMA cache_size") ?? -2000
        try db.execute(sql: "PRAGMA cache_size = -262144")
        try db.execute(sql: "PRAGMA secure_delete = FAST")
        defer {
            try? db.execute(sql: "PRAGMA secure_delete = ON")
            try? db.execute(sql: "PRAGMA cache_size = \(cacheSize)")
        }
        let result = try body()
        // Readers may hold the log for a moment; folding it later is as good.
        _ = try? db.checkpoint(.truncate)
        return result
    }

    /// Checks and applies the staged rows, inside the commit's transaction.
    private func apply(_ importId: String, in db: Database) throws -> ImportReport {
        try requireJob(importId, in: db)
        var report = ImportReport(dataset: Dataset.Kind.name)
        var rejected: [RejectedRow] = []
        var rejectedCount = 0
        var keys = Set<String>()
        let decoder = JSONCoding.decoder
        let rows = try Row.fetchCursor(
            db, sql: "SELECT row, key, fields, problem FROM import_row WHERE jobId = ? ORDER BY row",
            arguments: [importId])
        while let staged = try rows.next() {
            let number: Int = staged["row"]
            var problem: ImportRowProblem?
            if let refusal: Data = staged["problem"] {
                problem = try decoder.decode(ImportRowProblem.self, from: refusal)
            } else if !keys.insert(staged["key"] as String).inserted {
                problem = ImportRowProblem(
                    field: nil, reason: "duplicate_row", message: "The same record appears earlier in the file.")
            } else if rejectedCount == 0 {
                // Once a row is refused nothing will be kept: only check the rest.
                let encoded: Data = staged["fields"]
                report.rows += 1
                do {
                    switch try dataset.apply(staged: encoded, in: db) {
                    case .inserted: report.inserted += 1
                    case .updated: report.updated += 1
                    case .unchanged: report.unchanged += 1
                    }
                } catch let conflict as ImportRowProblem {
                    // A row that clashes with what is stored (or applied just before it).
                    problem = conflict
                }
            }
            if let problem {
                rejectedCount += 1
                if rejected.count < ImportError.listedRejections {
                    rejected.append(
                        RejectedRow(row: number, field: problem.field, reason: problem.reason, message: problem.message))
                }
            }
        }
        // Throwing rolls back every row applied above.
        guard rejectedCount == 0 else { throw ImportError.rejected(count: rejectedCount, rows: rejected) }
        try db.execute(sql: "DELETE FROM import_job WHERE id = ?", arguments: [importId])
        return report
    }

    private func requireJob(_ importId: String, in db: Database) throws {
        let cutoff = clock.now().addingTimeInterval(-Self.lifetime)
        guard
            try Bool.fetchOne(
                db, sql: "SELECT 1 FROM import_job WHERE id = ? AND dataset = ? AND createdAt >= ?",
                arguments: [importId, Dataset.Kind.name, cutoff]) == true
        else { throw ImportError.notFound }
    }
}

/// The staging tables every service has (an import may be staged in any of them).
enum ImportStore {
    static func registerMigrations(in migrator: inout DatabaseMigrator) {
        migrator.registerMigration("import-v1") { db in
            try db.create(table: "import_job") { table in
                table.primaryKey("id", .text)
                table.column("dataset", .text).notNull()
                table.column("createdAt", .datetime).notNull()
                table.column("peerUID", .integer).notNull()
            }
            try db.create(table: "import_row") { table in
                table.column("jobId", .text).notNull().references("import_job", onDelete: .cascade)
                table.column("row", .integer).notNull()
                table.column("fields", .blob).notNull()
            }
            try db.create(index: "import_row_job", on: "import_row", columns: ["jobId", "row"])
        }
        // Rows are checked as they are staged: `fields` holds the typed row, or `problem`
        // why it is refused, and `key` what identifies it. Imports staged in the old form
        // are dropped (the operator sends the file again).
        migrator.registerMigration("import-v2-checked-rows") { db in
            try db.execute(sql: "DELETE FROM import_job")
            try db.alter(table: "import_row") { table in
                table.add(column: "key", .text)
                table.add(column: "problem", .blob)
            }
        }
        migrator.registerMigration("import-v3-staged-count") { db in
            try db.alter(table: "import_job") { table in
                table.add(column: "staged", .integer).notNull().defaults(to: 0)
            }
            try db.execute(sql: "UPDATE import_job SET staged = (SELECT COUNT(*) FROM import_row WHERE jobId = import_job.id)")
        }
    }
}
