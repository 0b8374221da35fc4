import Logging
import PostgresNIO

/// A service's schema in PostgreSQL, versioned like its SQLite migrations: each migration
/// named, applied once, in order, and recorded in `<schema>.migrations`.
///
/// Every host of the fleet runs the migrator at start, so several may run it at once: all
/// of it happens in one transaction that first takes a transaction-scoped advisory lock
/// named after the schema. The first host applies what is missing; the others wait on the
/// lock, then find nothing left to do. A migration that fails rolls back with everything
/// before it in the same run, so the schema is never half-applied. A database migrated by
/// a newer build (a migration this build does not know) is refused rather than used.
public struct PostgresMigrator: Sendable {
    /// One named step: SQL statements run in order.
    public struct Migration: Sendable {
        public var name: String
        public var statements: [String]
    }

    /// The schema every table of the service lives in (its own, with its own role).
    public let schema: String
    public private(set) var migrations: [Migration] = []

    /// Why migrating was refused.
    public struct Refusal: Error, CustomStringConvertible {
        public var description: String
    }

    /// A migrator for `schema`: lower-case letters, digits and `_`, starting with a letter
    /// (it is written into SQL as an identifier).
    public init(schema: String) {
        precondition(
            schema.first?.isLetter == true && schema.allSatisfy { ($0.isASCII && ($0.isLowercase || $0.isNumber)) || $0 == "_" },
            "a schema name is lower-case letters, digits and _")
        self.schema = schema
    }

    /// Adds the migration `name`, run after every one registered before it.
    public mutating func registerMigration(_ name: String, _ statements: [String]) {
        precondition(!migrations.contains { $0.name == name }, "migration \(name) registered twice")
        migrations.append(Migration(name: name, statements: statements))
    }

    /// Brings the schema up to date; returns the names of the migrations this call applied
    /// (none when another host had already applied them).
    @discardableResult
    public func migrate(_ client: PostgresClient, logger: Logger) async throws -> [String] {
        do {
            return try await applyMissing(client: client, logger: logger)
        } catch let error as PostgresTransactionError {
            // Rolled back: what went wrong inside is the error to report (a refusal, a
            // migration's SQL error); a failed rollback or commit is reported as it is.
            if let inside = error.closureError, error.rollbackError == nil { throw inside }
            throw error
        }
    }

    /// What is wrong with the schema as this build sees it, for `service.check`: migrations
    /// of this build not recorded as applied (a table altered or lost by hand, a restore
    /// from before them) and recorded ones this build does not know (a newer build's).
    /// Empty when the two agree. Reads only: nothing is applied or created.
    public func problems(_ client: PostgresClient, logger: Logger) async throws -> [String] {
        let applied = try await Self.names(client.query(appliedQuery, logger: logger))
        let missing = migrations.map(\.name).filter { !applied.contains($0) }.map {
            "migration \($0) of this build is not applied to schema \(schema)"
        }
        let unknown = unknown(in: applied).map {
            "schema \(schema) has migration \($0), which this build does not know (a newer build migrated it)"
        }
        return missing + unknown
    }

    /// The names of the migrations recorded as applied.
    private var appliedQuery: PostgresQuery { "SELECT name FROM \(unescaped: schema).migrations" }

    private static func names(_ rows: PostgresRowSequence) async throws -> Set<String> {
        var names: Set<String> = []
        for try await name in rows.decode(String.self) { names.insert(name) }
        return names
    }

    /// Applied migrations this build does not know (a newer build's), sorted.
    private func unknown(in applied: Set<String>) -> [String] { applied.subtracting(migrations.map(\.name)).sorted() }

    private func applyMissing(client: PostgresClient, logger: Logger) async throws -> [String] {
        try await client.withTransaction(logger: logger) { connection -> [String] in
            // The lock's key: the schema's name hashed by the server, the same on every host.
            try await connection.query("SELECT pg_advisory_xact_lock(hashtext(\("madoguchi-migrations:" + schema)))", logger: logger)
            try await connection.query("CREATE SCHEMA IF NOT EXISTS \(unescaped: schema)", logger: logger)
            try await connection.query(
                """
                CREATE TABLE IF NOT EXISTS \(unescaped: schema).migrations (
                    name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())
                """, logger: logger)
            let applied = try await Self.names(connection.query(appliedQuery, logger: logger))
            if let unknown = unknown(in: applied).first {
                throw Refusal(
                    description: "the schema \(schema) has migration \(unknown), which this build does not know: "
                        + "a newer build migrated it. Run that build (or newer), or restore the database from before it")
            }
            var appliedNow: [String] = []
            for migration in migrations where !applied.contains(migration.name) {
                for statement in migration.statements {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
                try await connection.query(
                    "INSERT INTO \(unescaped: schema).migrations (name) VALUES (\(migration.name))", logger: logger)
                appliedNow.append(migration.name)
            }
            return appliedNow
        }
    }
}
