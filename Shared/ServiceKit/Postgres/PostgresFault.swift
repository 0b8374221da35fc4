import PostgresNIO
import Synchronization

/// A PostgreSQL error that is a storage fault, in `StorageFaults`' words: the call is
/// answered `storage_unavailable`, and a failure that could not be counted is held until
/// it is (`PendingFailures`), or the attempt not made (`AttemptThrottle`), as with
/// SQLite's full disk.
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
                // lock_not_available, deadlock_detected, serialization_failure, and
                // query_canceled (statement_timeout, or an operator's pg_cancel_backend):
                // the write did not happen, and may the next time.
                case "55P03", "40P01", "40001", "57014": .busy
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
/// `PostgresFault`. The limit is what makes a server out of reach or hung a fault at
/// all: PostgresClient keeps a request waiting while it retries a server it cannot reach
/// (its issue #489), and a query sent to a stopped server waits for its answer. Past the
/// limit the call is answered `storage_unavailable` at once; the request is cancelled and
/// left to end on its own, never awaited (a query already sent may not end before the
/// server answers or its connection drops). The limit is kept by `DeadlineWatch`, one
/// timer for every call in flight.
@discardableResult
public func classifyingFaults<T: Sendable>(within limit: Duration, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    let race = Race()
    return try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
        // Whichever comes first answers; the other finds the race decided and does nothing.
        let answer: @Sendable (Result<T, any Error>) -> Void = { result in
            guard race.decide() else { return }
            continuation.resume(with: result.mapError { PostgresFault.classify($0) })
        }
        let ticket = DeadlineWatch.shared.watch(until: .now + limit) {
            answer(.failure(PostgresFault(storageFaultKind: .unreachable, detail: "no answer within \(limit)")))
            race.cancelWork()
        }
        race.setWork(
            Task {
                let result: Result<T, any Error>
                do { result = .success(try await body()) } catch { result = .failure(error) }
                // Forgotten first, so that a call that ended is never expired.
                DeadlineWatch.shared.forget(ticket)
                answer(result)
            })
    }
}

/// The work and the time limit of `classifyingFaults`: decided once, by whichever ends first.
private final class Race: Sendable {
    private let decided = Atomic<Bool>(false)
    private let work = Mutex<Task<Void, Never>?>(nil)

    /// True for the first caller only.
    func decide() -> Bool { !decided.exchange(true, ordering: .acquiringAndReleasing) }

    /// Keeps the work to cancel if the limit passes; the limit already passed (a limit
    /// shorter than the time it took to get here), it is cancelled at once.
    func setWork(_ task: Task<Void, Never>) {
        work.withLock { $0 = task }
        if decided.load(ordering: .acquiring) { task.cancel() }
    }

    func cancelWork() { work.withLock { $0?.cancel() } }
}
