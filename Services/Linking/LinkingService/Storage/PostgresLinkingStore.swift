import Foundation
import LinkingAPI
import Logging
import PostgresNIO
import ServiceKit

/// ISP contracts, journeys and links in PostgreSQL (`LinkingPostgresSchema`), shared by
/// every host: a journey started on one host continues on another, a wrong try is counted
/// in one `UPDATE … RETURNING` whichever host sees it, and a link is made once — two
/// hosts finishing journeys for one contract or one carrier ID at once meet the unique
/// indexes, and the second is refused. Times are the service clock's.
struct PostgresLinkingStore: LinkingStore {
    let database: PostgresAccess
    let outbox: Outbox
    var schema: String { database.schema }
    var logger: Logger { database.logger }

    init(client: PostgresClient, schema: String, outbox: Outbox, logger: Logger) {
        database = PostgresAccess(client: client, schema: schema, logger: logger)
        self.outbox = outbox
    }

    func contract(_ customerNumber: String) async throws -> ISPContract? {
        try await run { connection, schema, logger in
            try await Self.contracts(
                connection.query(
                    "SELECT \(unescaped: Self.contractColumns) FROM \(unescaped: schema).isp_contract WHERE customer_number = \(customerNumber)",
                    logger: logger)
            ).first
        }
    }

    func contract(email: String) async throws -> ISPContract? {
        try await run { connection, schema, logger in
            try await Self.contracts(
                connection.query(
                    "SELECT \(unescaped: Self.contractColumns) FROM \(unescaped: schema).isp_contract WHERE email = \(email.lowercased())",
                    logger: logger)
            ).first
        }
    }

    func startJourney(_ journey: JourneyRow, endingExpiredBy now: Date) async throws {
        try await run { connection, schema, logger in
            try await connection.query("DELETE FROM \(unescaped: schema).link_journey WHERE expires_at <= \(now)", logger: logger)
            try await connection.query(
                """
                INSERT INTO \(unescaped: schema).link_journey (\(unescaped: Self.journeyColumns))
                VALUES (\(journey.journeyHash), \(journey.carrierKey), \(journey.carrierId), \(journey.carrierEmail),
                        \(journey.enteredName), \(journey.enteredKana), \(journey.enteredBirthDate), \(journey.ispEmail),
                        \(journey.customerNumber), \(journey.step.rawValue), \(journey.tries), \(journey.codeSentAt),
                        \(journey.codeSentBy?.rawValue), \(journey.linkNumber), \(journey.updatedAt), \(journey.expiresAt))
                """, logger: logger)
        }
    }

    func journey(_ hash: Data, at now: Date) async throws -> JourneyRow? {
        try await run { connection, schema, logger in
            let rows = try await connection.query(
                """
                SELECT \(unescaped: Self.journeyColumns) FROM \(unescaped: schema).link_journey
                WHERE journey_hash = \(hash) AND expires_at > \(now)
                """, logger: logger)
            for try await row in rows.decode(
                (Data, String, String, String, String, String, String, String, String?, String, Int, Date, String?, String?, Date, Date).self)
            {
                return JourneyRow(
                    journeyHash: row.0, carrierKey: row.1, carrierId: row.2, carrierEmail: row.3, enteredName: row.4,
                    enteredKana: row.5, enteredBirthDate: row.6, ispEmail: row.7, customerNumber: row.8,
                    step: try StoredChoice.read(row.9, field: "link_journey.step"), tries: row.10, codeSentAt: row.11,
                    codeSentBy: try row.12.map { try StoredChoice.read($0, field: "link_journey.code_sent_by") },
                    linkNumber: row.13, updatedAt: row.14, expiresAt: row.15)
            }
            return nil
        }
    }

    func advance(_ journey: JourneyRow, resettingTries: Bool) async throws {
        try await run { connection, schema, logger in
            try await connection.query(
                """
                UPDATE \(unescaped: schema).link_journey
                SET step = \(journey.step.rawValue), code_sent_at = \(journey.codeSentAt), code_sent_by = \(journey.codeSentBy?.rawValue),
                    updated_at = \(journey.updatedAt), expires_at = \(journey.expiresAt),
                    tries = CASE WHEN \(resettingTries) THEN 0 ELSE tries END
                WHERE journey_hash = \(journey.journeyHash)
                """, logger: logger)
        }
    }

    func takeTry(_ hash: Data) async throws -> Int? {
        try await run { connection, schema, logger in
            for try await tries in try await connection.query(
                "UPDATE \(unescaped: schema).link_journey SET tries = tries + 1 WHERE journey_hash = \(hash) RETURNING tries",
                logger: logger
            ).decode(Int.self) { return tries }
            return nil
        }
    }

    func endJourney(_ hash: Data) async throws {
        try await run { connection, schema, logger in
            try await connection.query("DELETE FROM \(unescaped: schema).link_journey WHERE journey_hash = \(hash)", logger: logger)
        }
    }

    func liveLink(_ side: LinkSide) async throws -> LinkRow? {
        try await run { connection, schema, logger in try await Self.liveLink(side, schema: schema, on: connection, logger: logger) }
    }

    func link(number: String) async throws -> LinkRow? {
        try await run { connection, schema, logger in
            try await Self.links(
                connection.query(
                    "SELECT \(unescaped: Self.linkColumns) FROM \(unescaped: schema).isp_link WHERE link_number = \(number)",
                    logger: logger)
            ).first
        }
    }

    func history(customerNumber: String) async throws -> [LinkRow] {
        try await run { connection, schema, logger in
            try await Self.links(
                connection.query(
                    """
                    SELECT \(unescaped: Self.linkColumns) FROM \(unescaped: schema).isp_link
                    WHERE customer_number = \(customerNumber) ORDER BY linked_at DESC, id DESC
                    """, logger: logger))
        }
    }

    func link(_ link: LinkRow, finishing journey: Data, at now: Date, journal: @escaping @Sendable (LinkRow) -> LinkJournal)
        async throws -> LinkRow
    {
        try await transaction { connection, schema, logger in
            if try await Self.liveLink(.contract(link.customerNumber), schema: schema, on: connection, logger: logger) != nil {
                throw LinkingError.ispContractAlreadyLinked
            }
            if try await Self.liveLink(.carrier(link.carrierKey), schema: schema, on: connection, logger: logger) != nil {
                throw LinkingError.carrierIDAlreadyLinked
            }
            var link = link
            while try await !Self.insert(link, schema: schema, on: connection, logger: logger) { link.linkNumber = LinkRow.newNumber() }
            try await write(journal(link), on: connection)
            try await connection.query(
                """
                UPDATE \(unescaped: schema).link_journey
                SET step = \(LinkStep.linked.rawValue), link_number = \(link.linkNumber), updated_at = \(now)
                WHERE journey_hash = \(journey)
                """, logger: logger)
            return link
        }
    }

    func unlink(_ ended: LinkRow, journal: LinkJournal) async throws {
        try await transaction { connection, schema, logger in
            // A second unlink waiting on the first's row finds it no longer live.
            let updated = try await connection.returnsRow(
                """
                UPDATE \(unescaped: schema).isp_link
                SET unlinked_at = \(ended.unlinkedAt), unlinked_by = \(ended.unlinkedBy), unlink_reason = \(ended.unlinkReason)
                WHERE link_number = \(ended.linkNumber) AND unlinked_at IS NULL RETURNING 1
                """, logger: logger)
            guard updated else { throw LinkingError.notLinked }
            try await write(journal, on: connection)
        }
    }

    // MARK: - Statements

    static let journeyColumns = """
        journey_hash, carrier_key, carrier_id, carrier_email, entered_name, entered_kana, entered_birth_date, isp_email,
        customer_number, step, tries, code_sent_at, code_sent_by, link_number, updated_at, expires_at
        """

    static let linkColumns = """
        link_number, customer_number, carrier_key, carrier_id, carrier_email, entered_name, entered_kana, entered_birth_date,
        holder_matches_contract, linked_at, unlinked_at, unlinked_by, unlink_reason
        """

    /// Inserts `link`; false when its number is taken (then nothing is written). A second
    /// live link of either side, committed by another host while this one waited, is
    /// refused as the checks before it would have.
    private static func insert(_ link: LinkRow, schema: String, on connection: PostgresConnection, logger: Logger) async throws -> Bool {
        do {
            return try await connection.returnsRow(
                """
                INSERT INTO \(unescaped: schema).isp_link (\(unescaped: linkColumns))
                VALUES (\(link.linkNumber), \(link.customerNumber), \(link.carrierKey), \(link.carrierId), \(link.carrierEmail),
                        \(link.enteredName), \(link.enteredKana), \(link.enteredBirthDate), \(link.holderMatchesContract),
                        \(link.linkedAt), \(link.unlinkedAt), \(link.unlinkedBy), \(link.unlinkReason))
                ON CONFLICT (link_number) DO NOTHING RETURNING 1
                """, logger: logger)
        } catch let error as PSQLError where error.serverInfo?[.sqlState] == "23505" {
            switch error.serverInfo?[.constraintName] {
            case "isp_link_contract_live": throw LinkingError.ispContractAlreadyLinked
            case "isp_link_carrier_live": throw LinkingError.carrierIDAlreadyLinked
            default: throw error
            }
        }
    }

    private func write(_ journal: LinkJournal, on connection: PostgresConnection) async throws {
        let audit = journal.audit
        try await connection.query(
            """
            INSERT INTO \(unescaped: schema).link_audit (at, event, link_number, customer_number, carrier_key, peer_uid, detail)
            VALUES (\(audit.at), \(audit.event), \(audit.linkNumber), \(audit.customerNumber), \(audit.carrierKey), \(audit.peerUID),
                    \(audit.detail))
            """, logger: logger)
        for message in journal.mail {
            try await PostgresServiceTables.enqueue(message, outbox: outbox, schema: schema, on: connection, logger: logger)
        }
    }

    private static func liveLink(_ side: LinkSide, schema: String, on connection: PostgresConnection, logger: Logger) async throws
        -> LinkRow?
    {
        let query: PostgresQuery =
            switch side {
            case .carrier(let key):
                "SELECT \(unescaped: linkColumns) FROM \(unescaped: schema).isp_link WHERE carrier_key = \(key) AND unlinked_at IS NULL"
            case .contract(let customerNumber):
                """
                SELECT \(unescaped: linkColumns) FROM \(unescaped: schema).isp_link
                WHERE customer_number = \(customerNumber) AND unlinked_at IS NULL
                """
            }
        return try await links(connection.query(query, logger: logger)).first
    }

    static let contractColumns = "customer_number, description, email, phone_number, phone_kind, holder_name"

    private static func contracts(_ rows: PostgresRowSequence) async throws -> [ISPContract] {
        var contracts: [ISPContract] = []
        for try await row in rows.decode((String, String, String, String, String, String).self) {
            contracts.append(
                ISPContract(
                    customerNumber: row.0, description: row.1, email: row.2, phoneNumber: row.3,
                    phoneKind: try StoredChoice.read(row.4, field: "isp_contract.phone_kind"), holderName: row.5))
        }
        return contracts
    }

    private static func links(_ rows: PostgresRowSequence) async throws -> [LinkRow] {
        var links: [LinkRow] = []
        for try await row in rows.decode((String, String, String, String, String, String, String, String, Bool, Date, Date?, String?, String?).self) {
            links.append(
                LinkRow(
                    linkNumber: row.0, customerNumber: row.1, carrierKey: row.2, carrierId: row.3, carrierEmail: row.4,
                    enteredName: row.5, enteredKana: row.6, enteredBirthDate: row.7, holderMatchesContract: row.8, linkedAt: row.9,
                    unlinkedAt: row.10, unlinkedBy: row.11, unlinkReason: row.12))
        }
        return links
    }

    // MARK: - Running

    private func run<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection, String, Logger) async throws -> T) async throws -> T {
        try await database.run { [database] connection in try await body(connection, database.schema, database.logger) }
    }

    private func transaction<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection, String, Logger) async throws -> T)
        async throws -> T
    {
        try await database.transaction { [database] connection in try await body(connection, database.schema, database.logger) }
    }
}
