import CoreMetrics
import Foundation
import GRDB
import JSONRPC
import Logging
import ServiceContract
import Synchronization

/// Storage faults (a full disk, an I/O error, a corrupt file) in words an operator acts
/// on, logged once per incident rather than once per call.
///
/// A fault never becomes `internal`: the call is answered `storage_unavailable` (1009),
/// "try later", and checks that must record a failure use `PendingFailures` so that a
/// failure the disk refused still counts. Writes are simply tried again on the next
/// call, so once space returns the service works again by itself.
public final class StorageFaults: Sendable {
    /// What went wrong, as the log says it.
    public enum Kind: String, Sendable {
        case full = "database or disk is full: free space in the state folder"
        case ioError = "disk I/O error: check the disk and the kernel log"
        case corrupt = "database is corrupt: stop the service and restore the database from a backup"
        case readOnly = "database is read-only: check the state folder's mount and permissions"
        case cannotOpen = "database file cannot be opened: check the state folder"
        case unreachable = "database server unreachable: check PostgreSQL, the network and the connection string"
        case busy = "database busy: another connection holds the lock a write needs (an operator's session, a tool writing to the database, a long transaction): find it and end it"
        case keyMissing = "a record is sealed with a server key version this process does not hold, or the version it makes records with was retired: give every host the same key files and restart it"

        /// The kind as `madoguchi_storage_faults_total` labels it.
        public var label: String {
            switch self {
            case .full: "full"
            case .ioError: "io_error"
            case .corrupt: "corrupt"
            case .readOnly: "read_only"
            case .cannotOpen: "cannot_open"
            case .unreachable: "unreachable"
            case .busy: "busy"
            case .keyMissing: "key_missing"
            }
        }
    }

    /// Faults closer together than this belong to one incident.
    public static let incidentGap: Duration = .seconds(60)

    private struct Incident {
        var kind: Kind
        var lastFault: ContinuousClock.Instant
        var faults: Int
    }

    private let logger: Logger
    private let incident = Mutex<Incident?>(nil)
    private let seen = Atomic<Bool>(false)

    /// Whether any storage fault has been recorded since the service started, even one
    /// that has since ended: a stop after one leaves no `CleanStopRecord`.
    public var anyRecorded: Bool { seen.load(ordering: .relaxed) }

    public init(logger: Logger) {
        self.logger = logger
    }

    /// The kind of storage fault `error` is, or `nil` when it is not one.
    public static func kind(of error: any Error) -> Kind? {
        if let fault = error as? any ClassifiedStorageFault { return fault.storageFaultKind }
        guard let error = error as? DatabaseError else { return nil }
        return kind(of: error.resultCode)
    }

    /// The kind of storage fault SQLite's result `code` means, or `nil`.
    public static func kind(of code: ResultCode) -> Kind? {
        switch code.primaryResultCode {
        case .SQLITE_FULL: return .full
        case .SQLITE_IOERR: return .ioError
        case .SQLITE_CORRUPT, .SQLITE_NOTADB: return .corrupt
        case .SQLITE_READONLY: return .readOnly
        case .SQLITE_CANTOPEN: return .cannotOpen
        // Past the connection's busy timeout: another connection to the file (not this
        // process's one writer) holds its lock. A write it refused recorded nothing, so it
        // is a fault like a full disk: a wrong PIN is held, not lost as an internal error.
        case .SQLITE_BUSY, .SQLITE_LOCKED: return .busy
        default: return nil
        }
    }

    /// Whether a check's failure (a wrong PIN, password, code or identity) that `error` kept
    /// from being written must be held in `PendingFailures`: after every error but the
    /// call's own cancellation. A storage fault, or an error no rule here foresaw (a
    /// constraint or trigger an operator added, a server error of another class), leaves the
    /// failure unrecorded all the same, and an `internal` answer to a wrong guess must not
    /// make it a free one while a right guess answers "ok". A cancelled call was answered
    /// nothing, and counts nothing.
    public static func mustHoldFailure(after error: any Error) -> Bool {
        if error is CancellationError { return false }
        if let error = error as? DatabaseError, error.resultCode.primaryResultCode == .SQLITE_INTERRUPT { return false }
        return true
    }

    /// Records `error` when it is a storage fault (logging it if it opens an incident)
    /// and returns the answer to give: `storage_unavailable`. `nil` for other errors.
    @discardableResult
    public func record(_ error: any Error) -> RPCError? {
        guard let kind = Self.kind(of: error) else { return nil }
        note(kind, code: (error as? DatabaseError)?.resultCode.description ?? "")
        return .storageUnavailable()
    }

    /// Records a fault SQLite reported in its own error log (`sqlite3_log`), which also
    /// hears what background work (the outbox, due changes) meets; other codes are ignored.
    public func record(code: ResultCode) {
        if let kind = Self.kind(of: code) { note(kind, code: code.description) }
    }

    private func note(_ kind: Kind, code: String) {
        seen.store(true, ordering: .relaxed)
        // Every fault counts, though only an incident's first is logged.
        Counter(label: "madoguchi_storage_faults_total", dimensions: [("kind", kind.label)]).increment()
        let now = ContinuousClock.now
        let opened: Bool = incident.withLock { incident in
            if var current = incident, current.kind == kind, now - current.lastFault < Self.incidentGap {
                current.lastFault = now
                current.faults += 1
                incident = current
                return false
            }
            incident = Incident(kind: kind, lastFault: now, faults: 1)
            return true
        }
        if opened {
            logger.error(
                "storage fault: \(kind.rawValue); calls that need to write answer storage_unavailable until it is fixed",
                metadata: ["sqlite-error": "\(code)"])
        }
    }

    /// Notes that a write succeeded: ends an open incident, with one log line.
    public func recordSuccess() {
        let ended = incident.withLock { incident -> Incident? in
            defer { incident = nil }
            return incident
        }
        if let ended {
            logger.notice("storage works again", metadata: ["failed-writes": "\(ended.faults)", "was": "\(ended.kind)"])
        }
    }
}

/// A storage engine's error that already says which fault it is (a PostgreSQL server out
/// of reach, its disk full, a read-only standby: `Postgres/`), so that it is
/// answered and held like SQLite's own.
public protocol ClassifiedStorageFault: Error {
    var storageFaultKind: StorageFaults.Kind { get }
}

