import Foundation
import JSONRPC
import LinesAPI
import MadoguchiModels
import ServiceContract
import ServiceKit

/// Lines' nuisance-call block lists. Numbers are stored normalised (`PhoneNumber`'s
/// digits), so `090-1234-5678` and `０９０１２３４５６７８` are one entry.
struct BlockListBook: Sendable {
    let store: any LineStore
    let clock: any ServiceClock
    let limit: Int

    func list(_ line: OpenedLine) async throws -> BlockList {
        list(try await store.line(line.phone.digits))
    }

    /// Adds `number`, or the line's last caller when `number` is nil.
    func add(_ number: PhoneNumber?, to line: OpenedLine, peer: PeerCredentials) async throws -> BlockList {
        let now = clock.now()
        let limit = limit
        let after = try await store.change(line.phone.digits) { stored in
            guard let blocked = number?.digits ?? stored.lastCaller else { throw LinesError.noLastCaller }
            if stored.blocked.contains(where: { $0.number == blocked }) { return nil }
            guard stored.blocked.count < limit else { throw LinesError.blockListFull(limit: limit) }
            return LineChange(
                edit: .block(blocked, at: now),
                journal: LineJournalEntry(
                    "blocked", detail: number == nil ? "\(blocked) (last caller)" : blocked, sms: LinesSMS.blocked(blocked),
                    on: line, peer: peer, at: now))
        }
        return list(after.line)
    }

    func remove(_ number: PhoneNumber, from line: OpenedLine, peer: PeerCredentials) async throws -> BlockList {
        let now = clock.now()
        let after = try await store.change(line.phone.digits) { stored in
            guard stored.blocked.contains(where: { $0.number == number.digits }) else { throw LinesError.notBlocked }
            return LineChange(
                edit: .unblock(number.digits),
                journal: LineJournalEntry(
                    "unblocked", detail: number.digits, sms: LinesSMS.unblocked(number.digits), on: line, peer: peer, at: now))
        }
        return list(after.line)
    }

    private func list(_ line: StoredLine) -> BlockList {
        BlockList(numbers: line.blocked.map { BlockedNumber(number: $0.number, addedAt: ISO8601.tokyo($0.addedAt)) }, limit: limit)
    }
}
