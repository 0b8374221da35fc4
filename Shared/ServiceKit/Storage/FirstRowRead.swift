import GRDB
import GRDBSQLite

extension Statement {
    /// Runs this SELECT (a cached statement) with `arguments` and reads the first row it
    /// finds with `read`, column by position; nil when it finds none.
    ///
    /// For the hottest reads only (a PIN check's): GRDB's `Row.fetchOne` makes a row object
    /// for every fetch, with a dictionary of its column names lower-cased, and copies the
    /// row out — 26,000 instructions of a check's 368,000 (BENCHMARKS.md) before any value
    /// is read. Here the step and the column reads are SQLite's own calls. GRDB's hooks
    /// around a statement's execution (observers, cancellation) are skipped, which only a
    /// read can afford.
    public func readFirstRow<T>(arguments: StatementArguments, _ read: (SelectedColumns) throws -> T) throws -> T? {
        precondition(isReadonly, "readFirstRow runs SELECTs only: \(sql)")
        try setArguments(arguments)  // checks the count, resets the statement, binds
        // Resetting ends the statement's read at once (not at the next use of this cached
        // statement), so no read lock outlives the call.
        defer { sqlite3_reset(sqliteStatement) }
        let code = sqlite3_step(sqliteStatement)
        switch code {
        case SQLITE_ROW: return try read(SelectedColumns(statement: sqliteStatement))
        case SQLITE_DONE: return nil
        default:
            // The extended code, as GRDB reports it, so that storage faults are told apart
            // (`StorageFaults`) exactly as for any other statement.
            let connection = sqlite3_db_handle(sqliteStatement)
            throw DatabaseError(
                resultCode: ResultCode(rawValue: sqlite3_extended_errcode(connection)),
                message: String(cString: sqlite3_errmsg(connection)), sql: sql)
        }
    }
}

/// The columns of the row `Statement.readFirstRow` stepped to, read by position. Valid
/// only inside its `read` closure.
public struct SelectedColumns {
    let statement: SQLiteStatement

    /// Column `index` as `T`; throws `UnreadableColumn` when it is `NULL` or holds a value
    /// `T` cannot (text in an integer column: only a damaged or hand-edited file has one),
    /// or when the selection has no such column.
    public func value<T: DatabaseValueConvertible>(_ index: Int) throws(UnreadableColumn) -> T {
        guard let value: T = try optional(index) else { throw UnreadableColumn(index: index, type: "\(T.self)") }
        return value
    }

    /// Column `index` as `T`, or nil when it is `NULL`; throws as `value` does otherwise.
    public func optional<T: DatabaseValueConvertible>(_ index: Int) throws(UnreadableColumn) -> T? {
        // SQLite answers a column past the selection as `NULL`: a reader out of step with
        // its statement would take a missing lock for "not locked", so it is refused.
        guard index >= 0, index < Int(sqlite3_column_count(statement)) else {
            throw UnreadableColumn(index: index, type: "\(T.self)")
        }
        let stored = DatabaseValue(sqliteStatement: statement, index: CInt(index))
        if stored.isNull { return nil }
        guard let value = T.fromDatabaseValue(stored) else { throw UnreadableColumn(index: index, type: "\(T.self)") }
        return value
    }
}

/// A selected column whose value its type cannot hold.
public struct UnreadableColumn: Error, CustomStringConvertible {
    /// The column's position in the statement's selection, from 0.
    public var index: Int
    /// The type it was read as.
    public var type: String

    public var description: String { "column \(index + 1) of the selection is missing or cannot be read as \(type)" }
}
