import Foundation
import GRDB
import JSONRPC
import LinesAPI
import MadoguchiModels
import ServiceKit

/// Lines' call forwarding: on with a destination, or off.
struct CallForwarding: Sendable {
    let database: DatabasePool
    let clock: any ServiceClock
    let journal: LineJournal

    /// Prefixes of numbers calls are never forwarded to: premium-rate services
    /// (ナビダイヤル 0570, ダイヤルQ2 0990), which would bill the line for every forwarded call.
    static let refusedPrefixes = ["0570", "0990"]

    func status(_ line: OpenedLine) async throws -> ForwardingStatus {
        try await database.read { db in try status(line.phone.digits, in: db) }
    }

    func start(to destination: PhoneNumber, on line: OpenedLine, peer: PeerCredentials) async throws -> ForwardingStatus {
        guard destination != line.phone else {
            throw LinesError.forwardingDestinationInvalid("Calls cannot be forwarded to the line itself.")
        }
        if let prefix = Self.refusedPrefixes.first(where: destination.digits.hasPrefix) {
            throw LinesError.forwardingDestinationInvalid("Calls cannot be forwarded to premium-rate numbers (\(prefix)).")
        }
        let now = clock.now()
        return try await database.write { db in
            let current = try status(line.phone.digits, in: db)
            guard current.destination != destination.digits else { return current }
            try db.execute(
                sql: """
                    INSERT INTO forwarding (phoneNumber, destination, since) VALUES (?, ?, ?)
                    ON CONFLICT (phoneNumber) DO UPDATE SET destination = excluded.destination, since = excluded.since
                    """,
                arguments: [line.phone.digits, destination.digits, now])
            try journal.record(
                "forwarding_started", detail: destination.digits, sms: LinesSMS.forwardingStarted(destination.digits),
                on: line, peer: peer, at: now, in: db)
            return try status(line.phone.digits, in: db)
        }
    }

    func stop(on line: OpenedLine, peer: PeerCredentials) async throws -> ForwardingStatus {
        let now = clock.now()
        return try await database.write { db in
            try db.execute(sql: "DELETE FROM forwarding WHERE phoneNumber = ?", arguments: [line.phone.digits])
            if db.changesCount == 1 {
                try journal.record(
                    "forwarding_stopped", detail: nil, sms: LinesSMS.forwardingStopped, on: line, peer: peer, at: now, in: db)
            }
            return ForwardingStatus(active: false)
        }
    }

    func status(_ phone: String, in db: Database) throws -> ForwardingStatus {
        guard let row = try Row.fetchOne(db, sql: "SELECT destination, since FROM forwarding WHERE phoneNumber = ?", arguments: [phone])
        else { return ForwardingStatus(active: false) }
        return ForwardingStatus(active: true, destination: row["destination"], since: ISO8601.tokyo(row["since"]))
    }
}
