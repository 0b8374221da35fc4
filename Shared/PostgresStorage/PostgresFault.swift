import PostgresNIO
import ServiceKit

/// A PostgreSQL error that is a storage fault, in `StorageFaults`' words: the call is
/// answered `storage_unavailable`, and a failure that could not be counted is held until
/// it is (`AttemptThrottle`, `PendingFailures`), as with SQLite's full disk.
struct PostgresFault: ClassifiedStorageFault, CustomStringConvertible {
    var storageFaultKind: StorageFaults.Kind
    /// What PostgreSQL or the connection said (never a query's values).
    var detail: String

    var description: String { "\(storageFaultKind.rawValue) (\(detail))" }

    /// `error` as a storage fault when it is one, else `error` itself (a mistake in a
    /// query, a constraint broken: not the storage's fault).
    static func classify(_ error: any Error) -> any Error {
        if let transaction = error as? PostgresTransactionError {
            guard let inside = transaction.closureError ?? transaction.beginError ?? transaction.commitError else { return error }
            return classify(inside)
        }
        guard let error = error as? PSQLError else { return error }
        switch error.code {
        case .connectionError, .serverClosedConnection, .clientClosedConnection, .uncleanShutdown, .poolClosed:
            return PostgresFault(storageFaultKind: .unreachable, detail: "\(error.code)")
        case .server:
            let state = error.serverInfo?[.sqlState] ?? ""
            let kind: StorageFaults.Kind? =
                switch state {
                case "25006": .readOnly  // read_only_sql_transaction: a standby, or default_transaction_read_only
                case "53100": .full  // disk_full
                case "58030": .ioError  // io_error
                case "XX001", "XX002": .corrupt  // data_corrupted, index_corrupted
                case _ where state.hasPrefix("08") || state.hasPrefix("57P"): .unreachable  // connection lost, server shutting down
                default: nil
                }
            return kind.map { PostgresFault(storageFaultKind: $0, detail: "SQLSTATE \(state)") } ?? error
        default:
            return error
        }
    }
}

/// Runs `body` for at most `limit`, turning PostgreSQL's storage faults into
/// `PostgresFault`. The limit is what makes a server out of reach a fault at all:
/// PostgresClient keeps trying to connect and keeps a request waiting meanwhile (its issue
/// #489), so a call would otherwise wait for as long as the server is away. Past the
/// limit the request is cancelled and the call answered `storage_unavailable`.
@discardableResult
func classifyingFaults<T: Sendable>(within limit: Duration, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    do {
        return try await withThrowingTaskGroup(of: T?.self) { race in
            race.addTask { try await body() }
            race.addTask {
                try await Task.sleep(for: limit)
                return nil
            }
            defer { race.cancelAll() }
            guard let first = try await race.next(), let value = first else {
                throw PostgresFault(storageFaultKind: .unreachable, detail: "no answer within \(limit)")
            }
            return value
        }
    } catch {
        throw PostgresFault.classify(error)
    }
}
