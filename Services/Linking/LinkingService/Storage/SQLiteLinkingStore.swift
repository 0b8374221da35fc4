import Foundation
import GRDB
import LinkingAPI
import ServiceKit

/// ISP contracts, journeys and links in the service's SQLite file (`LinkingSchema`).
/// SQLite runs one write at a time, so a link's checks and its insert cannot interleave
/// with another's.
struct SQLiteLinkingStore: LinkingStore {
    let database: DatabasePool
    let outbox: Outbox

    func contract(_ customerNumber: String) async throws -> ISPContract? {
        try await database.read { db in
            try ISPContract.fetchOne(db, sql: "SELECT * FROM isp_contract WHERE customerNumber = ?", arguments: [customerNumber])
        }
    }

    func contract(email: String) async throws -> ISPContract? {
        try await database.read { db in
            try ISPContract.fetchOne(db, sql: "SELECT * FROM isp_contract WHERE email = ?", arguments: [email.lowercased()])
        }
    }

    func startJourney(_ journey: JourneyRow, endingExpiredBy now: Date) async throws {
        try await database.write { db in
            try db.execute(sql: "DELETE FROM link_journey WHERE expiresAt <= ?", arguments: [now])
            try journey.insert(db)
        }
    }

    func journey(_ hash: Data, at now: Date) async throws -> JourneyRow? {
        try await database.read { db in
            try JourneyRow.fetchOne(db, sql: "SELECT * FROM link_journey WHERE journeyHash = ? AND expiresAt > ?", arguments: [hash, now])
        }
    }

    func advance(_ journey: JourneyRow, resettingTries: Bool) async throws {
        try await database.write { db in
            try db.execute(
                sql: """
                    UPDATE link_journey SET step = ?, codeSentAt = ?, codeSentBy = ?, updatedAt = ?, expiresAt = ?,
                      tries = CASE WHEN ? THEN 0 ELSE tries END
                    WHERE journeyHash = ?
                    """,
                arguments: [
                    journey.step, journey.codeSentAt, journey.codeSentBy, journey.updatedAt, journey.expiresAt, resettingTries,
                    journey.journeyHash,
                ])
        }
    }

    func takeTry(_ hash: Data) async throws -> Int? {
        try await database.write { db in
            try Int.fetchOne(db, sql: "UPDATE link_journey SET tries = tries + 1 WHERE journeyHash = ? RETURNING tries", arguments: [hash])
        }
    }

    func endJourney(_ hash: Data) async throws {
        try await database.write { db in try db.execute(sql: "DELETE FROM link_journey WHERE journeyHash = ?", arguments: [hash]) }
    }

    func liveLink(_ side: LinkSide) async throws -> LinkRow? {
        try await database.read { db in try Self.liveLink(side, in: db) }
    }

    func link(number: String) async throws -> LinkRow? {
        try await database.read { db in try LinkRow.fetchOne(db, key: number) }
    }

    func history(customerNumber: String) async throws -> [LinkRow] {
        try await database.read { db in
            try LinkRow.fetchAll(
                db, sql: "SELECT * FROM isp_link WHERE customerNumber = ? ORDER BY linkedAt DESC, rowid DESC", arguments: [customerNumber])
        }
    }

    func link(_ link: LinkRow, finishing journey: Data, at now: Date, journal: @escaping @Sendable (LinkRow) -> LinkJournal)
        async throws -> LinkRow
    {
        try await database.write { [outbox] db in
            if try Self.liveLink(.contract(link.customerNumber), in: db) != nil { throw LinkingError.ispContractAlreadyLinked }
            if try Self.liveLink(.carrier(link.carrierKey), in: db) != nil { throw LinkingError.carrierIDAlreadyLinked }
            var link = link
            while try LinkRow.exists(db, key: link.linkNumber) { link.linkNumber = LinkRow.newNumber() }
            try link.insert(db)
            try Self.write(journal(link), in: db, outbox: outbox)
            try db.execute(
                sql: "UPDATE link_journey SET step = ?, linkNumber = ?, updatedAt = ? WHERE journeyHash = ?",
                arguments: [LinkStep.linked.rawValue, link.linkNumber, now, journey])
            return link
        }
    }

    func unlink(_ ended: LinkRow, journal: LinkJournal) async throws {
        try await database.write { [outbox] db in
            try db.execute(
                sql: "UPDATE isp_link SET unlinkedAt = ?, unlinkedBy = ?, unlinkReason = ? WHERE linkNumber = ? AND unlinkedAt IS NULL",
                arguments: [ended.unlinkedAt, ended.unlinkedBy, ended.unlinkReason, ended.linkNumber])
            guard db.changesCount == 1 else { throw LinkingError.notLinked }
            try Self.write(journal, in: db, outbox: outbox)
        }
    }

    private static func write(_ journal: LinkJournal, in db: Database, outbox: Outbox) throws {
        try journal.audit.insert(db)
        for message in journal.mail { try outbox.enqueue(message, in: db) }
    }

    private static func liveLink(_ side: LinkSide, in db: Database) throws -> LinkRow? {
        switch side {
        case .carrier(let key):
            try LinkRow.fetchOne(db, sql: "SELECT * FROM isp_link WHERE carrierKey = ? AND unlinkedAt IS NULL", arguments: [key])
        case .contract(let customerNumber):
            try LinkRow.fetchOne(
                db, sql: "SELECT * FROM isp_link WHERE customerNumber = ? AND unlinkedAt IS NULL", arguments: [customerNumber])
        }
    }
}

extension LinkStep: DatabaseValueConvertible {}
extension PhoneChannel: DatabaseValueConvertible {}
