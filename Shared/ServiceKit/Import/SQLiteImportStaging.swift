import Foundation
import GRDB
import JSONRPC
import ServiceContract

/// Imports staged in the service's SQLite file (`import_job`, `import_row`) and applied
/// row by row (`ImportDataset.apply(staged:in:)`) in one transaction.
struct SQLiteImportStaging<Dataset: ImportDataset>: ImportStaging {
    let dataset: Dataset
    let database: DatabasePool

    func begin(_ id: String, dataset: String, at now: Date, peerUID: UInt32, purgingBefore: Date) async throws {
        try await database.write { db in
            try db.execute(sql: "DELETE FROM import_job WHERE createdAt < ?", arguments: [purgingBefore])
            try db.execute(
                sql: "INSERT INTO import_job (id, dataset, createdAt, peerUID) VALUES (?, ?, ?, ?)",
                arguments: [id, dataset, now, Int64(peerUID)])
        }
    }

    func add(_ rows: [StagedImportRow], to importId: String, dataset: String, notBefore: Date, at now: Date) async throws -> Int {
        try await database.write { db in
            try Self.requireJob(importId, dataset: dataset, notBefore: notBefore, in: db)
            let insert = try db.cachedStatement(
                sql: "INSERT INTO import_row (jobId, row, key, fields, problem) VALUES (?, ?, ?, ?, ?)")
            for row in rows { try insert.execute(arguments: [importId, row.row, row.key, row.fields, row.problem]) }
            // Counted as batches arrive: counting the staged rows each time made a
            // million-row import quadratic.
            try db.execute(sql: "UPDATE import_job SET staged = staged + ? WHERE id = ?", arguments: [rows.count, importId])
            return try Int.fetchOne(db, sql: "SELECT staged FROM import_job WHERE id = ?", arguments: [importId]) ?? 0
        }
    }

    func commit(_ importId: String, dataset: String, notBefore: Date) async throws -> ImportReport {
        try await database.writeWithoutTransaction { db in
            try Self.asLargeWrite(db) {
                var report: ImportReport?
                try db.inTransaction {
                    report = try apply(importId, dataset: dataset, notBefore: notBefore, in: db)
                    return .commit
                }
                return report!
            }
        }
    }

    func drop(_ importId: String) async throws {
        try await database.write { db in
            try db.execute(sql: "DELETE FROM import_job WHERE id = ?", arguments: [importId])
        }
    }

    func cancel(_ importId: String, dataset: String) async throws -> Bool {
        // secure_delete (ServiceDatabase) overwrites the rows' pages as they go.
        try await database.write { db in
            try db.execute(sql: "DELETE FROM import_job WHERE id = ? AND dataset = ?", arguments: [importId, dataset])
            return db.changesCount > 0
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
    private func apply(_ importId: String, dataset: String, notBefore: Date, in db: Database) throws -> ImportReport {
        try Self.requireJob(importId, dataset: dataset, notBefore: notBefore, in: db)
        var ledger = ImportLedger(dataset: dataset)
        let decoder = JSONCoding.decoder
        let rows = try Row.fetchCursor(
            db, sql: "SELECT row, key, fields, problem FROM import_row WHERE jobId = ? ORDER BY row",
            arguments: [importId])
        while let staged = try rows.next() {
            let number: Int = staged[0]
            let problem = try (staged[3] as Data?).map { try decoder.decode(ImportRowProblem.self, from: $0) }
            guard ledger.admit(row: number, key: staged[1] as String? ?? "", problem: problem) else { continue }
            do {
                ledger.record(try self.dataset.apply(staged: staged[2], in: db))
            } catch let conflict as ImportRowProblem {
                // A row that clashes with what is stored (or applied just before it).
                ledger.reject(row: number, conflict)
            }
        }
        // Throwing rolls back every row applied above.
        let report = try ledger.finish()
        try db.execute(sql: "DELETE FROM import_job WHERE id = ?", arguments: [importId])
        return report
    }

    private static func requireJob(_ importId: String, dataset: String, notBefore: Date, in db: Database) throws {
        guard
            try Bool.fetchOne(
                db, sql: "SELECT 1 FROM import_job WHERE id = ? AND dataset = ? AND createdAt >= ?",
                arguments: [importId, dataset, notBefore]) == true
        else { throw ImportError.notFound }
    }
}
