import AuthAPI
import Foundation
import JSONRPC
import MadoguchiModels
import ServiceKit
import TestSupport
import Testing

/// The rules of who may set and change which PIN, and when, through the real
/// madoguchi-auth process with the test clock.
@Suite(.sandboxed) struct PINRuleTests {
    let card = try! PINSubject(validating: "card:4980001234567001")

    func pin(_ digits: String) -> PIN { try! PIN(validating: digits) }

    /// A phone PIN is set and changed only on the call centre's voice line, never online:
    /// a change without `channel: "ivr"` is refused before the current PIN is looked at;
    /// and only on business days, Golden Week and New Year's Day included.
    @Test(arguments: StorageEngine.allCases) func phonePIN_isSetAndChangedOnlyThroughTheIVR_onBusinessDays(_ engine: StorageEngine) async throws {
        let sandbox = try await ServiceSandbox.make(now: "2026-05-02T10:00:00+09:00", engine: engine)  // a Saturday in Golden Week
        let process = try await sandbox.startActivated("auth")
        let auth = try await sandbox.client("auth")
        let set = PINSet.Params(subject: card, kind: .phone, pin: pin("4821"), channel: .ivr)

        // Closed from Saturday 2 May to the substitute holiday on Wednesday 6 May 2026.
        let closed = await refusal { try await auth.call(PINSet.self, set) }
        #expect(closed?.code == ErrorCode(1107))
        #expect(closed?.reason == "call_centre_closed")
        #expect(closed?.data?["nextBusinessDay"] == "2026-05-07")
        // Online is refused as such, whatever the day.
        var online = set
        online.channel = .web
        #expect(await refusal { try await auth.call(PINSet.self, online) }?.reason == "phone_pin_ivr_only")
        #expect(try await auth.call(PINStatusMethod.self, .init(subject: card, kind: .phone)).isSet == false)

        try sandbox.setClock("2026-05-07T09:00:00+09:00")
        #expect(try await auth.call(PINSet.self, set).isSet)

        // A change that does not come through the voice line, with or without the right
        // current PIN: refused, the PIN unchanged and no failure counted.
        for (channel, current) in [(nil, "4821"), (Channel.web, "4821"), (.support, "1593"), (.shop, "4821")] {
            let change = await refusal {
                try await auth.call(
                    PINChange.self,
                    .init(subject: card, kind: .phone, currentPIN: pin(current), newPIN: pin("6390"), channel: channel))
            }
            #expect(change?.code == ErrorCode(1106), "\(String(describing: channel))")
            #expect(change?.reason == "phone_pin_ivr_only")
        }
        let web = try await sandbox.madoctl(["pin", "change", card.value, "--kind", "phone"], input: "4821\n6390\n")
        #expect(web.status == 1 && web.stderr.contains("reason phone_pin_ivr_only"), "\(web.stderr)")
        var status = try await auth.call(PINStatusMethod.self, .init(subject: card, kind: .phone))
        #expect(status.failures == 0 && status.pendingChangeDueAt == nil)
        #expect(try await auth.call(PINVerify.self, .init(subject: card, kind: .phone, pin: pin("4821"))).isSet)

        // The voice line on New Year's Day (a Friday): closed until Monday 4 January.
        try sandbox.setClock("2027-01-01T10:00:00+09:00")
        let newYear = await refusal {
            try await auth.call(
                PINChange.self, .init(subject: card, kind: .phone, currentPIN: pin("4821"), newPIN: pin("6390"), channel: .ivr))
        }
        #expect(newYear?.reason == "call_centre_closed")
        #expect(newYear?.data?["nextBusinessDay"] == "2027-01-04")
        let byMadoctl = try await sandbox.madoctl(
            ["pin", "change", card.value, "--kind", "phone", "--channel", "ivr"], input: "4821\n6390\n")
        #expect(byMadoctl.status == 1 && byMadoctl.stderr.contains("reason call_centre_closed"), "\(byMadoctl.stderr)")
        status = try await auth.call(PINStatusMethod.self, .init(subject: card, kind: .phone))
        #expect(status.failures == 0)

        // Open again: the voice line changes it.
        try sandbox.setClock("2027-01-04T09:00:00+09:00")
        let changed = try await sandbox.madoctl(
            ["pin", "change", card.value, "--kind", "phone", "--channel", "ivr"], input: "4821\n6390\n")
        #expect(changed.status == 0, "\(changed.stderr)")
        #expect(try await auth.call(PINVerify.self, .init(subject: card, kind: .phone, pin: pin("6390"))).isSet)
        await auth.close()
        #expect(try await process.terminate() == 0)
    }

    /// A line's network PIN must not be its own number's last four digits, nor an
    /// application's the mobile number's given with it, whether or not the caller also
    /// passes the holder's phone numbers: the subject names the number.
    @Test(arguments: StorageEngine.allCases) func networkPIN_isNeverTheSubjectsOwnNumbersLastFourDigits(_ engine: StorageEngine) async throws {
        let sandbox = try await ServiceSandbox.make(engine: engine)
        let process = try await sandbox.startActivated("auth")
        let auth = try await sandbox.client("auth")
        let line = try PINSubject(validating: "line:09033337214")
        let application = PINSubject.application(ReceptionNumber.generate(), try PhoneNumber(validating: "090-5555-2864"))
        let other = [try PhoneNumber(validating: "080-1111-2222")]

        for (subject, own) in [(line, "7214"), (application, "2864")] {
            for phoneNumbers in [nil, other] {
                let set = await refusal {
                    try await auth.call(
                        PINSet.self, .init(subject: subject, kind: .network, pin: pin(own), phoneNumbers: phoneNumbers))
                }
                #expect(set?.code == ErrorCode(1104), "\(subject)")
                #expect(set?.reason == "pin_is_phone_digits", "\(subject)")
            }
            #expect(try await auth.call(PINSet.self, .init(subject: subject, kind: .network, pin: pin("4821"))).isSet)
            let change = await refusal {
                try await auth.call(
                    PINChange.self, .init(subject: subject, kind: .network, currentPIN: pin("4821"), newPIN: pin(own)))
            }
            #expect(change?.reason == "pin_is_phone_digits", "\(subject)")
            #expect(try await auth.call(PINVerify.self, .init(subject: subject, kind: .network, pin: pin("4821"))).isSet)
        }
        let byMadoctl = try await sandbox.madoctl(["pin", "change", line.value], input: "4821\n7214\n")
        #expect(byMadoctl.status == 1 && byMadoctl.stderr.contains("reason pin_is_phone_digits"), "\(byMadoctl.stderr)")
        await auth.close()
        #expect(try await process.terminate() == 0)
    }

    /// An audited reset names a person and a reason: blank once trimmed (spaces, a tab,
    /// a full-width space) is refused as empty is, naming the member, and nothing changes;
    /// padded names are recorded trimmed.
    @Test(arguments: StorageEngine.allCases) func pinReset_refusesABlankStaffOrReason_andRecordsThemTrimmed(_ engine: StorageEngine) async throws {
        let sandbox = try await ServiceSandbox.make(now: "2026-11-24T10:00:00+09:00", engine: engine)
        let process = try await sandbox.startActivated("auth")
        let auth = try await sandbox.client("auth")
        let line = try PINSubject(validating: "line:09033334444")
        _ = try await auth.call(PINSet.self, .init(subject: line, kind: .network, pin: pin("4821")))

        for (staff, reason, field) in [
            ("   ", "verified by birth date", "staff"), ("", "verified by birth date", "staff"),
            ("suzuki", " \t\u{3000}", "reason"), ("\u{3000}", "\n", "staff"),
        ] {
            let refused = await refusal {
                try await auth.call(
                    PINReset.self, .init(subject: line, kind: .network, pin: pin("6390"), staff: staff, reason: reason))
            }
            #expect(refused?.code == .invalidParams, "\(field)")
            #expect(refused?.reason == "invalid_value")
            #expect(refused?.data?["field"] == .string(field))
        }
        let byMadoctl = try await sandbox.madoctl(
            ["pin", "reset", line.value, "--staff", "  ", "--reason", "checked ID at the shop"], input: "6390\n")
        #expect(byMadoctl.status == 1 && byMadoctl.stderr.contains("reason invalid_value"), "\(byMadoctl.stderr)")
        // Nothing was reset: the customer's PIN still works, and need not change.
        #expect(try await auth.call(PINVerify.self, .init(subject: line, kind: .network, pin: pin("4821"))).mustChange == false)

        let reset = try await auth.call(
            PINReset.self,
            .init(subject: line, kind: .network, pin: pin("6390"), staff: " suzuki ", reason: "\u{3000}verified by birth date\n"))
        #expect(reset.mustChange)
        let audit = try await sandbox.madoctl(["call", "auth", "audit.list", #"{"subject":"line:09033334444"}"#, "--json"])
        guard case .array(let events)? = GoldenJSON.parse(audit.stdout) else {
            Issue.record("no audit: \(audit.stdout) \(audit.stderr)")
            return
        }
        #expect(events.filter { $0["event"] == "pin_reset" }.count == 1)
        #expect(events.first?["detail"]?.stringValue?.contains(#""staff":"suzuki""#) == true)
        #expect(events.first?["detail"]?.stringValue?.contains(#""reason":"verified by birth date""#) == true)
        await auth.close()
        #expect(try await process.terminate() == 0)
    }
}
