import Foundation
import JSONRPC
import LinesAPI
import MadoguchiModels
import ServiceContract
import ServiceKit

/// Lines' call forwarding: on with a destination, or off.
struct CallForwarding: Sendable {
    let store: any LineStore
    let clock: any ServiceClock

    /// Prefixes of numbers calls are never forwarded to: premium-rate services
    /// (ナビダイヤル 0570, ダイヤルQ2 0990), which would bill the line for every forwarded call.
    static let refusedPrefixes = ["0570", "0990"]

    func status(_ line: OpenedLine) async throws -> ForwardingStatus {
        Self.status(try await store.line(line.phone.digits))
    }

    func start(to destination: PhoneNumber, on line: OpenedLine, peer: PeerCredentials) async throws -> ForwardingStatus {
        guard destination != line.phone else {
            throw LinesError.forwardingDestinationInvalid("Calls cannot be forwarded to the line itself.")
        }
        if let prefix = Self.refusedPrefixes.first(where: destination.digits.hasPrefix) {
            throw LinesError.forwardingDestinationInvalid("Calls cannot be forwarded to premium-rate numbers (\(prefix)).")
        }
        let now = clock.now()
        let after = try await store.change(line.phone.digits) { stored in
            // Forwarding to where it already goes is no change: no audit, no SMS.
            guard stored.forwarding?.destination != destination.digits else { return nil }
            return LineChange(
                edit: .forward(.init(destination: destination.digits, since: now)),
                journal: LineJournalEntry(
                    "forwarding_started", detail: destination.digits, sms: LinesSMS.forwardingStarted(destination.digits),
                    on: line, peer: peer, at: now))
        }
        return Self.status(after.line)
    }

    func stop(on line: OpenedLine, peer: PeerCredentials) async throws -> ForwardingStatus {
        let now = clock.now()
        let after = try await store.change(line.phone.digits) { stored in
            guard stored.forwarding != nil else { return nil }
            return LineChange(
                edit: .stopForwarding,
                journal: LineJournalEntry("forwarding_stopped", detail: nil, sms: LinesSMS.forwardingStopped, on: line, peer: peer, at: now))
        }
        return Self.status(after.line)
    }

    static func status(_ line: StoredLine) -> ForwardingStatus {
        guard let forwarding = line.forwarding else { return ForwardingStatus(active: false) }
        return ForwardingStatus(active: true, destination: forwarding.destination, since: ISO8601.tokyo(forwarding.since))
    }
}
