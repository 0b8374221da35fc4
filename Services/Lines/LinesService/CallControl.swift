import Foundation
import JSONRPC
import LinesAPI
import MadoguchiModels
import ServiceKit

/// The network's side: how to route a call to a voice line, and the messages the
/// voicemail platform reports. Each call remembers its caller as the line's last one.
struct CallControl: Sendable {
    let store: any LineStore
    let clock: any ServiceClock
    let voicemail: VoicemailBox

    func route(_ params: LineCallRoute.Params) async throws -> CallRouting {
        let now = clock.now()
        let caller = params.caller?.digits
        let after = try await store.change(params.phoneNumber.digits) { stored in
            try stored.requireVoice()
            return LineChange(edit: .lastCaller(caller, at: now), journal: nil)
        }
        let line = after.line
        if let caller, line.blocked.contains(where: { $0.number == caller }) { return CallRouting(action: .reject) }
        if let forwarding = line.forwarding { return CallRouting(action: .forward, destination: forwarding.destination) }
        let settings = voicemail.settings(line)
        return CallRouting(action: .ring, voicemailAfterSeconds: settings.enabled ? settings.ringSeconds : nil)
    }

    func deposit(_ params: LineVoicemailDeposit.Params) async throws -> VoicemailMessage {
        guard (1...600).contains(params.seconds) else {
            throw RPCError.invalidParams("seconds is 1 to 600.", reason: "out_of_range", field: "seconds")
        }
        let phone = params.phoneNumber.digits
        try refuseUnlessVoice(try await store.kind(of: phone))
        return try await store.deposit(on: phone, caller: params.caller?.digits, seconds: params.seconds, at: clock.now())
    }
}
