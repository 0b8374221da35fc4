import Foundation
import ServiceClient
import ServiceKit

/// Where linking keeps the imported ISP contracts, the journeys and the links, in the
/// service's words. The journeys' rules (steps, tries, expiry) and what a link says are
/// the workflow's; a store keeps what it is given, counts a wrong try at once whatever
/// another host counts at the same time, and makes or ends a link in one transaction with
/// its audit line and mail.
protocol LinkingStore: Sendable {
    /// An ISP contract by its customer number.
    func contract(_ customerNumber: String) async throws -> ISPContract?
    /// The ISP contract of an ISP address (stored lowercased).
    func contract(email: String) async throws -> ISPContract?

    /// Stores a new journey, and ends those expired by `now`.
    func startJourney(_ journey: JourneyRow, endingExpiredBy now: Date) async throws
    /// A journey not expired by `now`.
    func journey(_ hash: Data, at now: Date) async throws -> JourneyRow?
    /// Stores the journey's step, code and times; its tries go back to 0 with
    /// `resettingTries`, else stay as counted (by any host).
    func advance(_ journey: JourneyRow, resettingTries: Bool) async throws
    /// Counts one try of the journey's step, before it is made, in one statement: the
    /// tries counted since its step began (this one with them), or nil when the journey is
    /// gone.
    func takeTry(_ hash: Data) async throws -> Int?
    func endJourney(_ hash: Data) async throws

    /// A live link of a carrier ID, or of an ISP contract.
    func liveLink(_ side: LinkSide) async throws -> LinkRow?
    /// A link, live or past, by its number.
    func link(number: String) async throws -> LinkRow?
    /// Every link an ISP contract has had, newest first.
    func history(customerNumber: String) async throws -> [LinkRow]
    /// Stores `link` (under a fresh number if its own is taken) and marks the journey
    /// linked with it, with its audit line and mail, in one transaction. A second live
    /// link of either side is refused by the database's unique indexes, even from two
    /// hosts at once (`ispContractAlreadyLinked`, `carrierIDAlreadyLinked`).
    /// `journal` writes the audit line and mail of the link as stored.
    func link(_ link: LinkRow, finishing journey: Data, at now: Date, journal: @escaping @Sendable (LinkRow) -> LinkJournal)
        async throws -> LinkRow
    /// Ends a live link (`ended`: the link with its end), with its audit line and mail, in
    /// one transaction; `LinkingError.notLinked` when it is no longer live.
    func unlink(_ ended: LinkRow, journal: LinkJournal) async throws
}

/// What a link or an unlink leaves beside it: its audit line and the mail it sends.
struct LinkJournal: Sendable {
    var audit: LinkAudit
    var mail: [OutboxMessage]
}

/// One side of a link.
enum LinkSide: Sendable {
    /// A carrier ID, by its login key.
    case carrier(String)
    /// An ISP contract, by its customer number.
    case contract(String)
}

/// Linking's store and the ISP contracts' import on the service's engine.
struct LinkingStores: Sendable {
    var linking: any LinkingStore
    var contracts: StagedImports<ISPContractDataset>

    init(_ resources: ServiceResources) {
        switch resources.storage {
        case .sqlite(let database):
            linking = SQLiteLinkingStore(database: database, outbox: resources.outbox)
        case .postgres(let client, let schema):
            linking = PostgresLinkingStore(client: client, schema: schema, outbox: resources.outbox, logger: resources.logger)
        }
        contracts = StagedImports(
            dataset: ISPContractDataset(), storage: resources.storage, clock: resources.clock, logger: resources.logger)
    }
}
