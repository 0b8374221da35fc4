import Foundation
import GRDB
import JSONRPC
import LinesAPI
import MadoguchiModels
import ServiceKit

/// Lines' nuisance-call block lists. Numbers are stored normalised (`PhoneNumber`'s
/// digits), so `090-1234-5678` and `０９０１２３４５６７８` are one entry.
struct BlockListBook: Sendable {
    let database: DatabasePool
    let clock: any ServiceClock
    let journal: LineJournal
    let limit: Int

    func list(_ line: OpenedLine) async throws -> BlockList {
        try await database.read { db in try list(line.phone, in: db) }
    }

    /// Adds `number`, or the line's last caller when `number` is nil.
    func add(_ number: PhoneNumber?, to line: OpenedLine, peer: PeerCredentials) async throws -> BlockList {
        let now = clock.now()
        return try await database.write { db in
            let blocked: String
            if let number {
                blocked = number.digits
            } else {
                guard
                    let last = try String.fetchOne(
                        db, sql: "SELECT caller FROM last_caller WHERE phoneNumber = ?", arguments: [line.phone.digits])
                else { throw LinesError.noLastCaller }
                blocked = last
            }
            let current = try list(line.phone, in: db)
            if current.numbers.contains(where: { $0.number == blocked }) { return current }
            guard current.numbers.count < limit else { throw LinesError.blockListFull(limit: limit) }
            try db.execute(
                sql: "INSERT INTO blocked_number (phoneNumber, number, addedAt) VALUES (?, ?, ?)",
                arguments: [line.phone.digits, blocked, now])
            try journal.record(
                "blocked", detail: number == nil ? "\(blocked) (last caller)" : blocked, sms: LinesSMS.blocked(blocked),
                on: line, peer: peer, at: now, in: db)
            return try list(line.phone, in: db)
        }
    }

    func remove(_ number: PhoneNumber, from line: OpenedLine, peer: PeerCredentials) async throws -> BlockList {
        let now = clock.now()
        return try await database.write { db in
            try db.execute(
                sql: "DELETE FROM blocked_number WHERE phoneNumber = ? AND number = ?",
                arguments: [line.phone.digits, number.digits])
            guard db.changesCount == 1 else { throw LinesError.notBlocked }
            try journal.record(
                "unblocked", detail: number.digits, sms: LinesSMS.unblocked(number.digits), on: line, peer: peer, at: now,
                in: db)
            return try list(line.phone, in: db)
        }
    }

    func list(_ phone: PhoneNumber, in db: Database) throws -> BlockList {
        let rows = try Row.fetchAll(
            db, sql: "SELECT number, addedAt FROM blocked_number WHERE phoneNumber = ? ORDER BY addedAt, rowid",
            arguments: [phone.digits])
        return BlockList(
            numbers: rows.map { BlockedNumber(number: $0["number"], addedAt: ISO8601.tokyo($0["addedAt"])) }, limit: limit)
    }

    /// Whether calls from `caller` to the line are refused.
    static func isBlocked(_ caller: String, on phone: String, in db: Database) throws -> Bool {
        try Bool.fetchOne(
            db, sql: "SELECT 1 FROM blocked_number WHERE phoneNumber = ? AND number = ?", arguments: [phone, caller]) ?? false
    }
}
