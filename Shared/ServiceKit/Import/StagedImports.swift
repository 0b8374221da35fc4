import Foundation
import GRDB
import JSONRPC
import MadoguchiModels

/// Staged, all-or-nothing imports: a file's rows arrive in batches (a file may be far
/// larger than one message), wait in a staging table, and are checked and applied in one
/// transaction at commit. Staged imports left uncommitted for a day are dropped.
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

    func add(_ rows: [ImportRow], to importId: String) async throws -> ImportStaged {
        let encoded = try rows.map { ($0.row, try JSONCoding.encoder.encode($0.fields)) }
        return try await database.write { db in
            try requireJob(importId, in: db)
            let insert = try db.cachedStatement(sql: "INSERT INTO import_row (jobId, row, fields) VALUES (?, ?, ?)")
            for (row, fields) in encoded { try insert.execute(arguments: [importId, row, fields]) }
            return ImportStaged(staged: try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM import_row WHERE jobId = ?", arguments: [importId]) ?? 0)
        }
    }

    /// Checks every staged row; applies all of them if none is refused. The staged rows
    /// are gone afterwards either way.
    func commit(_ importId: String) async throws -> ImportReport {
        let outcome: Result<ImportReport, ImportError> = try await database.write { db in
            try requireJob(importId, in: db)
            defer { try? db.execute(sql: "DELETE FROM import_job WHERE id = ?", arguments: [importId]) }
            // First pass: parse everything, keeping only the refusals (constant memory).
            var rejected: [RejectedRow] = []
            var rejectedCount = 0
            var keys = Set<String>()
            try forEachRow(of: importId, in: db) { number, parsed in
                var problem: ImportRowProblem?
                switch parsed {
                case .success(let row):
                    if !keys.insert(dataset.key(of: row)).inserted {
                        problem = ImportRowProblem(
                            field: nil, reason: "duplicate_row", message: "The same record appears earlier in the file.")
                    }
                case .failure(let failure):
                    problem = failure
                }
                if let problem {
                    rejectedCount += 1
                    if rejected.count < ImportError.listedRejections {
                        rejected.append(
                            RejectedRow(row: number, field: problem.field, reason: problem.reason, message: problem.message))
                    }
                }
            }
            guard rejectedCount == 0 else { return .failure(.rejected(count: rejectedCount, rows: rejected)) }
            // Second pass: apply.
            var report = ImportReport(dataset: Dataset.Kind.name)
            try forEachRow(of: importId, in: db) { _, parsed in
                guard case .success(let row) = parsed else { return }
                report.rows += 1
                switch try dataset.apply(row, in: db) {
                case .inserted: report.inserted += 1
                case .updated: report.updated += 1
                case .unchanged: report.unchanged += 1
                }
            }
            return .success(report)
        }
        return try outcome.get()
    }

    private func forEachRow(
        of importId: String, in db: Database, _ body: (Int, Result<Dataset.Row, ImportRowProblem>) throws -> Void
    ) throws {
        let rows = try Row.fetchCursor(
            db, sql: "SELECT row, fields FROM import_row WHERE jobId = ? ORDER BY row", arguments: [importId])
        while let stored = try rows.next() {
            let number: Int = stored["row"]
            let fields = try JSONCoding.decoder.decode([String: JSONValue].self, from: stored["fields"] as Data)
            let parsed: Result<Dataset.Row, ImportRowProblem>
            do {
                parsed = .success(try dataset.parse(ImportFields(fields)))
            } catch let problem as ImportRowProblem {
                parsed = .failure(problem)
            } catch let invalid as ModelValidationError {
                parsed = .failure(ImportRowProblem(field: invalid.field, reason: invalid.reason, message: invalid.message))
            } catch {
                parsed = .failure(ImportRowProblem(field: nil, reason: "invalid_row", message: "This row cannot be read."))
            }
            try body(number, parsed)
        }
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
    }
}
