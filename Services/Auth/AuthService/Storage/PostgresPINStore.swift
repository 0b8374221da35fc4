import AuthAPI
import Foundation
import Logging
import PostgresNIO
import ServiceKit

/// PINs in PostgreSQL (`<schema>.pin`, with `audit`, the outbox and the idempotency
/// records beside it), shared by every host. A change locks the PIN's row
/// (`SELECT … FOR UPDATE`) for its transaction: a check on another host waits for it and
/// then sees its count; a check's one-statement write (`replace`) lands only on the row it
/// read, so it never overwrites another's count. Concurrent wrong PINs are all counted and
/// a lock reached on one host holds on all. Times are the service clock's, never the
/// server's `now()`.
struct PostgresPINStore: PINStore {
    let client: PostgresClient
    let schema: String
    let outbox: Outbox
    let clock: any ServiceClock
    let logger: Logger
    /// How long one operation may wait for the server before it is a storage fault.
    let timeLimit: Duration
    private let checkReads: BatchedReads<CheckRequest, PINCheckRead>

    /// `checkBatchesInFlight`: the most statements of checks' reads out at once; checks
    /// asked for while that many are out are read together in the next. Two: the server
    /// reads one batch while the other's answer travels back and the next gathers. Fewer
    /// statements mean larger batches and less CPU per check on both sides (one, two, four
    /// and eight measured in BENCHMARKS.md, "Checks read together"); one would leave the
    /// server idle during each round trip, which a database across a network makes long.
    init(
        client: PostgresClient, schema: String, outbox: Outbox, clock: any ServiceClock, logger: Logger,
        timeLimit: Duration = .seconds(5), checkBatchesInFlight: Int = 2
    ) {
        self.client = client
        self.schema = schema
        self.outbox = outbox
        self.clock = clock
        self.logger = logger
        self.timeLimit = timeLimit
        checkReads = Self.checkReads(client: client, batchesInFlight: checkBatchesInFlight, timeLimit: timeLimit, logger: logger)
    }

    /// A PIN row's columns after its key, in order, with their types: `columns`, the read's
    /// cells, `save` and `replace` all follow this order.
    static let valueColumns: [(name: String, type: String)] = [
        ("hash", "bytea"), ("salt", "bytea"), ("must_change", "boolean"), ("failures", "integer"),
        ("locked_until", "timestamptz"), ("updated_at", "timestamptz"), ("pending_hash", "bytea"), ("pending_salt", "bytea"),
        ("pending_due_at", "timestamptz"), ("pending_email", "text"), ("holder_birth_date", "text"), ("holder_phones", "text"),
    ]
    static let columns = (["subject", "kind"] + valueColumns.map(\.name)).joined(separator: ", ")

    /// The most checks' reads one statement has carried so far (for tests).
    var largestCheckBatchSent: Int { checkReads.largestBatchSent }

    /// This store with other limits, over the same client.
    func with(timeLimit: Duration? = nil, checkBatchesInFlight: Int? = nil) -> PostgresPINStore {
        PostgresPINStore(
            client: client, schema: schema, outbox: outbox, clock: clock, logger: logger, timeLimit: timeLimit ?? self.timeLimit,
            checkBatchesInFlight: checkBatchesInFlight ?? checkReads.batchesInFlight)
    }

    func find(_ key: PINKey) async throws -> PINRecord? {
        try await classifyingFaults(within: timeLimit) { [client, logger] in
            for try await record in try await client.execute(FindPIN(key: key), logger: logger) { return record }
            return nil
        }
    }

    /// The read of every PIN check, as a named prepared statement: parsed and planned once
    /// per connection, then only bound and run. Its SQL is fixed at build time, so it names
    /// the schema auth always has (`AuthStores` opens this store on the schema named after
    /// the service).
    struct FindPIN: PostgresPreparedStatement {
        static let name = "auth_find_pin_v1"
        static let sql = "SELECT \(columns) FROM auth.pin WHERE subject = $1 AND kind = $2"
        typealias Row = PINRecord

        var key: PINKey

        func makeBindings() -> PostgresBindings {
            var bindings = PostgresBindings()
            bindings.append(key.subject)
            bindings.append(key.kind.rawValue)
            return bindings
        }

        func decodeRow(_ row: PostgresRow) throws -> PINRecord { try PostgresPINStore.record(row.makeRandomAccess()) }
    }

    /// Both reads of a check in one round trip: the PIN's row and the caller's count among
    /// the fleet's shared failure counts (`attempt`, kept by `PostgresAttemptStore`). Checks
    /// asked for at the same time are read together, one statement for all of them
    /// (`checkReads`).
    func findForCheck(_ key: PINKey, callerFailures caller: String?) async throws -> PINCheckRead {
        try await classifyingFaults(within: timeLimit) { [checkReads] in
            try await checkReads.read(CheckRequest(key: key, caller: caller))
        }
    }

    /// One check's reads, as `FindPINsForCheck` takes them.
    struct CheckRequest: Sendable {
        var key: PINKey
        var caller: String?
    }

    /// The reads of checks asked for at the same time, as one statement (`BatchedReads`):
    /// at most `batchesInFlight` statements out at once, each bounded by `timeLimit`.
    static func checkReads(client: PostgresClient, batchesInFlight: Int, timeLimit: Duration, logger: Logger)
        -> BatchedReads<CheckRequest, PINCheckRead>
    {
        BatchedReads(batchesInFlight: batchesInFlight, largestBatch: 64) { requests in
            try await classifyingFaults(within: timeLimit) {
                var reads: [PINCheckRead] = []
                reads.reserveCapacity(requests.count)
                for try await read in try await client.execute(FindPINsForCheck(requests: requests), logger: logger) {
                    reads.append(read)
                }
                return reads
            }
        }
    }

    /// One row for each request, in the requests' order, whether or not its PIN or its
    /// count exists (each joined to the request's own row); a prepared statement as
    /// `FindPIN` is. A request without a caller is bound as the empty key, read as none.
    struct FindPINsForCheck: PostgresPreparedStatement {
        static let name = "auth_find_pins_for_check_v1"
        static let sql = """
            SELECT \(columns.split(separator: ",").map { "p." + $0.trimmingCharacters(in: .whitespacesAndNewlines) }.joined(separator: ", ")),
                   a.failures, a.window_start
            FROM unnest($1::text[], $2::text[], $3::text[]) WITH ORDINALITY AS asked(subject, kind, caller, position)
            LEFT JOIN auth.pin p ON p.subject = asked.subject AND p.kind = asked.kind
            LEFT JOIN auth.attempt a ON a.key = NULLIF(asked.caller, '')
            ORDER BY asked.position
            """
        typealias Row = PINCheckRead

        var requests: [CheckRequest]

        func makeBindings() -> PostgresBindings {
            var bindings = PostgresBindings()
            bindings.append(requests.map(\.key.subject))
            bindings.append(requests.map(\.key.kind.rawValue))
            bindings.append(requests.map { $0.caller ?? "" })
            return bindings
        }

        func decodeRow(_ row: PostgresRow) throws -> PINCheckRead {
            let cells = row.makeRandomAccess()
            // The count's two cells follow the PIN's.
            let (failures, windowStart) = (PostgresPINStore.valueColumns.count + 2, PostgresPINStore.valueColumns.count + 3)
            let count = try cells[failures].decode(Int?.self).flatMap { failures in
                try cells[windowStart].decode(Date?.self).map { AttemptCount(failures: failures, windowStart: $0) }
            }
            let record = try cells[0].decode(String?.self) == nil ? nil : try PostgresPINStore.record(cells)
            return PINCheckRead(record: record, callerFailures: count)
        }
    }

    func update<Outcome: Sendable>(
        _ key: PINKey, keyedCheck: IdempotentCalls.Call?,
        _ change: @escaping @Sendable (inout PINRecord?, inout PINChanges) throws -> Outcome
    ) async throws -> PINUpdate<Outcome> {
        try await classifyingFaults(within: timeLimit) { [self] in
            try await client.withTransaction(logger: logger) { connection in
                // The row first: a repeat of a keyed check on another host waits here for
                // the first check to commit, and then finds its answer below.
                let before = try await Self.first(
                    connection.query(
                        """
                        SELECT \(unescaped: Self.columns) FROM \(unescaped: schema).pin
                        WHERE subject = \(key.subject) AND kind = \(key.kind.rawValue) FOR UPDATE
                        """, logger: logger))
                let now = clock.now()
                if let keyedCheck,
                    let first = try await PostgresServiceTables.recorded(
                        RecordedPINCheck.self, for: keyedCheck, at: now, schema: schema, on: connection, logger: logger)
                {
                    return .repeated(first)
                }
                var record = before
                var changes = PINChanges()
                let outcome = try change(&record, &changes)
                if let record, record != before { try await save(record, on: connection) }
                for entry in changes.audit {
                    try await AuthPostgresSchema.insert(entry, schema: schema, on: connection, logger: logger)
                }
                for message in changes.mail {
                    try await PostgresServiceTables.enqueue(message, outbox: outbox, schema: schema, on: connection, logger: logger)
                }
                if let keyedCheck, let answer = changes.recordedCheck {
                    try await PostgresServiceTables.record(answer, for: keyedCheck, at: now, schema: schema, on: connection, logger: logger)
                }
                return .changed(outcome)
            }
        }
    }

    func dueChanges(at now: Date, limit: Int) async throws -> [PINKey] {
        try await classifyingFaults(within: timeLimit) { [client, schema, logger] in
            var keys: [PINKey] = []
            let rows = try await client.query(
                """
                SELECT subject, kind FROM \(unescaped: schema).pin WHERE pending_due_at <= \(now)
                ORDER BY pending_due_at LIMIT \(limit)
                """, logger: logger)
            for try await (subject, kind) in rows.decode((String, String).self) {
                if let kind = PINKind(rawValue: kind) { keys.append(PINKey(subject: subject, kind: kind)) }
            }
            return keys
        }
    }

    private func save(_ record: PINRecord, on connection: PostgresConnection) async throws {
        try await connection.query(
            """
            INSERT INTO \(unescaped: schema).pin (\(unescaped: Self.columns))
            VALUES (\(record.subject), \(record.kind.rawValue), \(record.hash), \(record.salt), \(record.mustChange), \(record.failures),
                    \(record.lockedUntil), \(record.updatedAt), \(record.pendingHash), \(record.pendingSalt),
                    \(record.pendingDueAt), \(record.pendingEmail), \(record.holderBirthDate), \(record.holderPhones))
            ON CONFLICT (subject, kind) DO UPDATE SET
              hash = excluded.hash, salt = excluded.salt, must_change = excluded.must_change, failures = excluded.failures,
              locked_until = excluded.locked_until, updated_at = excluded.updated_at, pending_hash = excluded.pending_hash,
              pending_salt = excluded.pending_salt, pending_due_at = excluded.pending_due_at,
              pending_email = excluded.pending_email, holder_birth_date = excluded.holder_birth_date,
              holder_phones = excluded.holder_phones
            """, logger: logger)
    }

    private static func first(_ rows: PostgresRowSequence) async throws -> PINRecord? {
        for try await row in rows { return try record(row.makeRandomAccess()) }
        return nil
    }

    /// The first 14 cells of a row, `columns` in order (cell by cell: a check's read has
    /// two more, and more than a tuple decode takes).
    private static func record(_ cells: PostgresRandomAccessRow) throws -> PINRecord {
        let kindName = try cells[1].decode(String.self)
        // The schema's CHECK admits only the kinds there are; one this build does not
        // know (a newer build's) is refused rather than read as another kind.
        guard let kind = PINKind(rawValue: kindName) else { throw UnknownPINKind(stored: kindName) }
        return PINRecord(
            subject: try cells[0].decode(String.self), kind: kind, hash: try cells[2].decode(Data.self),
            salt: try cells[3].decode(Data.self), mustChange: try cells[4].decode(Bool.self), failures: try cells[5].decode(Int.self),
            lockedUntil: try cells[6].decode(Date?.self), updatedAt: try cells[7].decode(Date.self),
            pendingHash: try cells[8].decode(Data?.self), pendingSalt: try cells[9].decode(Data?.self),
            pendingDueAt: try cells[10].decode(Date?.self), pendingEmail: try cells[11].decode(String?.self),
            holderBirthDate: try cells[12].decode(String?.self), holderPhones: try cells[13].decode(String?.self))
    }
}

/// A PIN row whose kind this build does not know.
struct UnknownPINKind: Error, CustomStringConvertible {
    var stored: String
    var description: String { "a PIN of an unknown kind (\(stored)) is stored" }
}
