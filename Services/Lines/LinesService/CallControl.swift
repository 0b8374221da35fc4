import Foundation
import GRDB
import JSONRPC
import LinesAPI
import MadoguchiModels
import ServiceKit

/// The network's side: how to route a call to a voice line, and the messages the
/// voicemail platform reports. Each call remembers its caller as the line's last one.
struct CallControl: Sendable {
    let database: DatabasePool
    let clock: any ServiceClock
    let voicemail: VoicemailBox
    let forwarding: CallForwarding

    func route(_ params: LineCallRoute.Params) async throws -> CallRouting {
        let phone = params.phoneNumber.digits
        let now = clock.now()
        return try await database.write { db in
            try LineInventory.requireVoiceLine(phone, in: db)
            try db.execute(
                sql: """
                    INSERT INTO last_caller (phoneNumber, caller, at) VALUES (?, ?, ?)
                    ON CONFLICT (phoneNumber) DO UPDATE SET caller = excluded.caller, at = excluded.at
                    """,
                arguments: [phone, params.caller?.digits, now])
            if let caller = params.caller?.digits, try BlockListBook.isBlocked(caller, on: phone, in: db) {
                return CallRouting(action: .reject)
            }
            let forwarded = try forwarding.status(phone, in: db)
            if forwarded.active { return CallRouting(action: .forward, destination: forwarded.destination) }
            let settings = try voicemail.settings(phone, in: db)
            return CallRouting(action: .ring, voicemailAfterSeconds: settings.enabled ? settings.ringSeconds : nil)
        }
    }

    func deposit(_ params: LineVoicemailDeposit.Params) async throws -> VoicemailMessage {
        guard (1...600).contains(params.seconds) else {
            throw RPCError.invalidParams("seconds is 1 to 600.", reason: "out_of_range", field: "seconds")
        }
        return try await database.write { db in
            try LineInventory.requireVoiceLine(params.phoneNumber.digits, in: db)
            return try voicemail.deposit(on: params.phoneNumber.digits, caller: params.caller?.digits, seconds: params.seconds, in: db)
        }
    }
}
