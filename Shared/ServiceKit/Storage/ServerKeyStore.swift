import Foundation
import GRDB
import Logging
import PostgresNIO

/// The server keys' record and the records they protect, on either engine: what
/// `service.keys` reads and `service.keys.retire` changes.
struct ServerKeyStore: Sendable {
    let storage: ServiceStorage
    let columns: [KeyedColumn]
    let logger: Logger
    /// How long a PostgreSQL query may take before the call answers `storage_unavailable`.
    var timeLimit: Duration = .seconds(30)

    func recorded() async throws -> [RecordedServerKey] {
        switch storage {
        case .sqlite(let database):
            return try await database.read { try ServerSecretRecord.recorded(in: $0) }
        case .postgres(let client, let schema):
            return try await classifyingFaults(within: timeLimit) { [logger] in
                try await PostgresSecretRecord.recorded(client: client, schema: schema, logger: logger)
            }
        }
    }

    /// How many stored values each key version made, by kind of record. Reads every keyed
    /// column once (a count grouped by what names the version, not the values).
    func usage() async throws -> KeyUsage {
        var usage: KeyUsage = [:]
        func add(_ column: KeyedColumn, version: Int?, count: Int) {
            guard let version, count > 0 else { return }
            usage[version, default: [:]][column.records, default: 0] += count
        }
        switch storage {
        case .sqlite(let database):
            let rows = try await database.read { db in
                try columns.map { column in (column, try Row.fetchAll(db, sql: column.countQuery(postgresSchema: nil))) }
            }
            for (column, rows) in rows {
                for row in rows {
                    switch column.form {
                    case .hash: add(column, version: KeyedHash.version(length: row[0], prefix: row[1]), count: row[2])
                    case .passwordHash: add(column, version: KeyedColumn.passwordKeyVersion(prefix: row[0]), count: row[1])
                    case .versionColumn: add(column, version: row[0], count: row[1])
                    }
                }
            }
        case .postgres(let client, let schema):
            for column in columns {
                let query = PostgresQuery(unsafeSQL: column.countQuery(postgresSchema: schema))
                try await classifyingFaults(within: timeLimit) { [logger] in
                    let rows = try await client.query(query, logger: logger)
                    var counted: [(Int?, Int)] = []
                    switch column.form {
                    case .hash:
                        for try await (length, prefix, count) in rows.decode((Int, Data, Int).self) {
                            counted.append((KeyedHash.version(length: length, prefix: prefix), count))
                        }
                    case .passwordHash:
                        for try await (prefix, count) in rows.decode((String, Int).self) {
                            counted.append((KeyedColumn.passwordKeyVersion(prefix: prefix), count))
                        }
                    case .versionColumn:
                        for try await (version, count) in rows.decode((Int, Int).self) { counted.append((version, count)) }
                    }
                    return counted
                }.forEach { add(column, version: $0.0, count: $0.1) }
            }
        }
        return usage
    }

    /// Marks `version` retired by `uid` at `now` (once: a retired version keeps its first
    /// record). On PostgreSQL, throws `ServerKeyClaimed` instead while a host claims the
    /// version (`ServerKeyLease`), or did less than `settleTime` ago: checked and retired in
    /// one transaction holding the key's row, which every renewal of a claim takes too.
    func retire(_ version: Int, at now: Date, by uid: Int64) async throws {
        switch storage {
        case .sqlite(let database):
            try await database.write { db in
                try db.execute(
                    sql: "UPDATE \(ServerSecretRecord.keysTable) SET retiredAt = ?, retiredBy = ? WHERE version = ? AND retiredAt IS NULL",
                    arguments: [now, uid, version])
            }
        case .postgres(let client, let schema):
            let claimedSince = now.addingTimeInterval(-ServerKeyLease.settleTime)
            try await classifyingFaults(within: timeLimit) { [logger] in
                try await client.withTransaction(logger: logger) { connection in
                    // Each statement its own snapshot, whatever the database's default: the
                    // claims read below must include a renewal that committed while the row
                    // lock waited for it.
                    try await connection.query("SET TRANSACTION ISOLATION LEVEL READ COMMITTED", logger: logger)
                    try await connection.query(
                        "SELECT version FROM \(unescaped: schema).server_key WHERE version = \(version) FOR UPDATE", logger: logger)
                    var claims: [ServerKeyClaim] = []
                    for try await (host, pid, until) in try await connection.query(
                        """
                        SELECT host, pid, until FROM \(unescaped: schema).server_key_lease
                        WHERE version = \(version) AND until > \(claimedSince) ORDER BY host, pid
                        """, logger: logger
                    ).decode((String, Int, Date).self) {
                        claims.append(ServerKeyClaim(host: host, pid: pid, until: until))
                    }
                    guard claims.isEmpty else { throw ServerKeyClaimed(version: version, claims: claims) }
                    try await connection.query(
                        """
                        UPDATE \(unescaped: schema).server_key SET retired_at = \(now), retired_by = \(uid)
                        WHERE version = \(version) AND retired_at IS NULL
                        """, logger: logger)
                }
            }
        }
    }
}

/// Hosts still claim the key version asked to be retired: they make records with it.
struct ServerKeyClaimed: Error {
    var version: Int
    var claims: [ServerKeyClaim]
}
