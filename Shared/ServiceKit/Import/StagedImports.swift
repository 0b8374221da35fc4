import Foundation
import GRDB
import JSONRPC
import MadoguchiModels
import ServiceContract

/// Staged, all-or-nothing imports: a file's rows arrive in batches (a file may be far
/// larger than one message), are checked as they arrive, wait in a staging table, and are
/// applied in one transaction at commit. Staged imports left uncommitted for a day are
/// dropped. The staging tables are the service's, on its engine (`ImportStaging`).
public struct StagedImports<Dataset: ImportDataset>: Sendable {
    let dataset: Dataset
    let staging: any ImportStaging
    let clock: any ServiceClock
    /// How long an uncommitted import is kept.
    static var lifetime: TimeInterval { 24 * 3600 }

    /// Imports staged in the service's SQLite file.
    public init(dataset: Dataset, database: DatabasePool, clock: any ServiceClock) {
        self.init(dataset: dataset, staging: SQLiteImportStaging(dataset: dataset, database: database), clock: clock)
    }

    init(dataset: Dataset, staging: any ImportStaging, clock: any ServiceClock) {
        self.dataset = dataset
        self.staging = staging
        self.clock = clock
    }

    func begin(peer: PeerCredentials) async throws -> ImportHandle {
        let now = clock.now()
        let id = UUID().uuidString.lowercased()
        try await staging.begin(
            id, dataset: Dataset.Kind.name, at: now, peerUID: peer.uid, purgingBefore: now.addingTimeInterval(-Self.lifetime))
        return ImportHandle(importId: id)
    }

    /// Checks each row as it arrives (batches on several connections are checked side by
    /// side) and stages the typed row, or why it is refused; commit only applies.
    func add(_ rows: [ImportRow], to importId: String) async throws -> ImportStaged {
        let batch = try staged(rows)
        let count = try await staging.add(batch, to: importId, dataset: Dataset.Kind.name, notBefore: cutoff, at: clock.now())
        return ImportStaged(staged: count)
    }

    /// Reads and encodes each row as staging does, storing nothing: the row checks alone
    /// (a refused row is a normal outcome here, reported at commit).
    public func check(_ rows: [ImportRow]) {
        _ = try? staged(rows)
    }

    /// Each row as it is staged: its key and staged form, or the problem that refuses it.
    private func staged(_ rows: [ImportRow]) throws -> [StagedImportRow] {
        let encoder = JSONCoding.encoder
        return try rows.map { row in
            switch parse(row.fields) {
            case .success(let parsed):
                return StagedImportRow(row: row.row, key: dataset.key(of: parsed), fields: try dataset.staged(parsed), problem: nil)
            case .failure(let problem):
                return StagedImportRow(row: row.row, key: "", fields: Data(), problem: try encoder.encode(problem))
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
            return try await staging.commit(importId, dataset: Dataset.Kind.name, notBefore: cutoff)
        } catch let refusal as ImportError {
            // A refused file is corrected and sent again as a new import.
            if case .rejected = refusal { try await staging.drop(importId) }
            throw refusal
        }
    }

    /// Drops the import and its staged rows now (an operator's Ctrl-C); false when there
    /// is no such import of this dataset.
    func cancel(_ importId: String) async throws -> Bool {
        try await staging.cancel(importId, dataset: Dataset.Kind.name)
    }

    /// Imports begun before this are no longer kept.
    private var cutoff: Date { clock.now().addingTimeInterval(-Self.lifetime) }
}

/// One row as it waits between its check and the commit: its key and staged form, or the
/// problem (`ImportRowProblem`, encoded) that refuses it, with an empty key and form.
struct StagedImportRow: Sendable {
    var row: Int
    var key: String
    var fields: Data
    var problem: Data?
}

/// The staging tables and the commit's transaction, on one engine.
protocol ImportStaging: Sendable {
    /// Records a new import, first dropping those begun before `purgingBefore`.
    func begin(_ id: String, dataset: String, at now: Date, peerUID: UInt32, purgingBefore: Date) async throws
    /// Stages `rows` of the import at `now` and returns how many it holds now. Throws
    /// `ImportError.notFound` for an import that is not this dataset's, or begun before
    /// `notBefore`.
    func add(_ rows: [StagedImportRow], to importId: String, dataset: String, notBefore: Date, at now: Date) async throws -> Int
    /// Checks and applies the staged rows in one transaction (`ImportLedger`), and drops
    /// the import once applied; throws `ImportError.rejected` having applied nothing.
    func commit(_ importId: String, dataset: String, notBefore: Date) async throws -> ImportReport
    /// Drops the import and its staged rows.
    func drop(_ importId: String) async throws
    /// Drops the import of `dataset` and its staged rows; false when there is none.
    func cancel(_ importId: String, dataset: String) async throws -> Bool
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

extension ImportStore {
    /// Drops every staged import of the SQLite file: at start, where none can still be
    /// going on (its client's connections ended with the process that served them), so
    /// the rows a crash left — personal data in clear — go at once, not a day later.
    /// Returns how many.
    static func purgeAll(in database: DatabasePool) throws -> Int {
        try database.write { db in
            try db.execute(sql: "DELETE FROM import_job")
            return db.changesCount
        }
    }
}
