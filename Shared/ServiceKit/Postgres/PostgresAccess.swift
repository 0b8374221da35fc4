import Logging
import PostgresNIO

/// A service store's way into PostgreSQL: the client, the service's schema, and every
/// call run within a time limit with its faults classified (`classifyingFaults`), on one
/// connection or in one transaction.
public struct PostgresAccess: Sendable {
    public let client: PostgresClient
    public let schema: String
    public let logger: Logger
    /// How long one operation may wait for the server before it is a storage fault.
    public var timeLimit: Duration

    public init(client: PostgresClient, schema: String, logger: Logger, timeLimit: Duration = .seconds(5)) {
        self.client = client
        self.schema = schema
        self.logger = logger
        self.timeLimit = timeLimit
    }

    /// Runs `body` on one connection of the pool.
    public func run<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        try await classifyingFaults(within: timeLimit) { [client] in
            try await client.withConnection { connection in try await body(connection) }
        }
    }

    /// Runs `body` in one transaction: committed when it returns, rolled back when it throws.
    public func transaction<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        try await classifyingFaults(within: timeLimit) { [client, logger] in
            try await client.withTransaction(logger: logger) { connection in try await body(connection) }
        }
    }

    /// Runs `query` on `connection` and says whether it returned a row (a statement with
    /// `RETURNING 1` changed something).
    public func returnsRow(_ query: PostgresQuery, on connection: PostgresConnection) async throws -> Bool {
        try await connection.returnsRow(query, logger: logger)
    }
}

extension PostgresConnection {
    /// Runs `query` and says whether it returned a row (a statement with `RETURNING 1`
    /// changed something), reading every row so the connection is free after.
    public func returnsRow(_ query: PostgresQuery, logger: Logger) async throws -> Bool {
        var returned = false
        for try await _ in try await self.query(query, logger: logger) { returned = true }
        return returned
    }
}
