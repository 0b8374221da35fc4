import Foundation
import LinesAPI
import ServiceKit

/// Where lines keeps the inventory and each voice line's options: what the gate, the
/// options and the network need, in the service's words. The rules (what a change is,
/// when it is no change, the block list's limit) are the workflow's; a store reads a
/// line, and makes the one edit the workflow chose with its journal entry, in one
/// transaction that holds the line — on PostgreSQL its inventory row `FOR UPDATE`, so two
/// hosts changing one line take turns and a block list's limit holds across hosts.
protocol LineStore: Sendable {
    /// The line's kind in the inventory; nil when the number is none of it.
    func kind(of phone: String) async throws -> LineKind?
    /// The line's options as stored; `LinesError.lineNotFound` when it is no line.
    func line(_ phone: String) async throws -> StoredLine
    /// Reads the line, lets `decide` choose an edit (nil: nothing to do) and makes it, with
    /// its journal entry when the edit changed anything, in one transaction holding the
    /// line. Answers the line after, and whether the edit changed it.
    func change(_ phone: String, _ decide: @escaping @Sendable (StoredLine) throws -> LineChange?) async throws
        -> (line: StoredLine, changed: Bool)
    /// The line's voicemail messages, newest first: only saved ones, only new ones, or all.
    func messages(of phone: String, saved: Bool?) async throws -> [VoicemailMessage]
    /// One of the line's messages.
    func message(_ id: Int64, of phone: String) async throws -> VoicemailMessage?
    /// A message the voicemail platform reports as left on a line; it is new until saved.
    func deposit(on phone: String, caller: String?, seconds: Int, at now: Date) async throws -> VoicemailMessage
    /// The audit trail, newest first, of one line or all.
    func audit(phone: String?, limit: Int) async throws -> [LineAuditEntry]
}

/// One line of the inventory with its options as stored (absent ones are the defaults).
struct StoredLine: Sendable, Hashable {
    struct Voicemail: Sendable, Hashable {
        var enabled: Bool
        var ringSeconds: Int
    }

    struct Forwarding: Sendable, Hashable {
        var destination: String
        var since: Date
    }

    struct Blocked: Sendable, Hashable {
        var number: String
        var addedAt: Date
    }

    var kind: LineKind
    /// Oldest first.
    var blocked: [Blocked]
    var voicemail: Voicemail?
    var newMessages: Int
    var savedMessages: Int
    var forwarding: Forwarding?
    /// The number of the line's last caller; nil when there was none or it was withheld.
    var lastCaller: String?

    /// Refuses a line that is not a voice line.
    func requireVoice() throws { try refuseUnlessVoice(kind) }
}

/// The one edit a change makes to a line.
enum LineEdit: Sendable, Hashable {
    case block(String, at: Date)
    case unblock(String)
    case voicemail(StoredLine.Voicemail)
    case forward(StoredLine.Forwarding)
    case stopForwarding
    case saveMessage(Int64)
    case deleteMessage(Int64)
    /// The caller of the call being routed (nil: withheld).
    case lastCaller(String?, at: Date)
}

/// An edit, and the journal entry it leaves when it changes anything.
struct LineChange: Sendable {
    var edit: LineEdit
    var journal: LineJournalEntry?
}

/// Refuses a number the inventory does not hold, or holds as a data-only SIM.
func refuseUnlessVoice(_ kind: LineKind?) throws {
    guard let kind else { throw LinesError.lineNotFound }
    guard kind == .voice else { throw LinesError.dataOnly }
}

/// The line store and the inventory's import on the service's engine.
struct LinesStores: Sendable {
    var lines: any LineStore
    var inventory: StagedImports<LineDataset>

    init(_ resources: ServiceResources) {
        switch resources.storage {
        case .sqlite(let database):
            lines = SQLiteLineStore(database: database, outbox: resources.outbox, inlineReaders: InlineReaders(path: database.path))
        case .postgres(let client, let schema):
            lines = PostgresLineStore(client: client, schema: schema, outbox: resources.outbox, logger: resources.logger)
        }
        inventory = StagedImports(dataset: LineDataset(), storage: resources.storage, clock: resources.clock, logger: resources.logger)
    }
}
