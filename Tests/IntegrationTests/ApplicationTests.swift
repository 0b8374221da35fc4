import AuthAPI
import Foundation
import JSONRPC
import JSONRPCTransport
import MadoguchiModels
import RegistrationAPI
import TestSupport
import Testing

/// Applications by reception number across the real registration and auth processes.
@Suite(.sandboxed) struct ApplicationTests {
    let phone = try! PhoneNumber(validating: "090-2222-3333")

    /// A port-in brings its MNP reservation, issued on `mnpIssuedOn` (the sandbox's day unless told).
    func submit(
        _ registration: RPCClient, portIn: String? = nil, mnpIssuedOn: String = "2026-11-21", pin: String = "4821"
    ) async throws -> ReceptionNumber {
        let result = try await registration.call(
            ApplicationSubmit.self,
            .init(phoneNumber: phone, pin: try PIN(validating: pin), name: try PersonName(validating: "鈴木　一郎"),
                  kana: try KanaName(validating: "スズキ　イチロウ"), birthDate: try CivilDate(validating: "1988-08-08"),
                  email: try EmailAddress(validating: "ichiro@example.jp"), portInNumber: try portIn.map { try PhoneNumber(validating: $0) },
                  mnpReservationNumber: portIn == nil ? nil : "4012345678",
                  mnpIssuedOn: portIn == nil ? nil : try CivilDate(validating: mnpIssuedOn)))
        #expect(result.state == .received)
        return try ReceptionNumber(validating: result.receptionNumber)
    }

    @Test(arguments: StorageEngine.allCases) func application_walksFromReceivedToActivated_withADocumentResubmittedOnRequest(_ engine: StorageEngine) async throws {
        let fixture = try await RegistrationFixture(engine: engine, importContracts: false)
        let registration = try await fixture.client()
        let auth = try await fixture.sandbox.client("auth")

        // A guessable PIN refuses the application.
        #expect(await refusal { try await submit(registration, pin: "0808") }?.reason == "pin_is_birthday")
        let reception = try await submit(registration, portIn: "080-9999-0000")
        #expect(try await fixture.message(to: "ichiro@example.jp").body.contains(reception.value))

        let session = try await auth.call(SessionOpen.self, .init(.reception(reception, phone, try PIN(validating: "4821"))))
        let token = try #require(session.token)
        #expect(try await registration.call(ApplicationStatus.self, .init(session: token)).state == .received)
        // A phone-PIN session is not an application session.
        #expect(await refusal { try await registration.call(ApplicationActivate.self, .init(session: "not-a-session")) }?.reason == "session_invalid")

        // Illegal moves answer with the current state.
        let early = await refusal { try await registration.call(ApplicationActivate.self, .init(session: token)) }
        #expect(early?.reason == "illegal_transition" && early?.data?["state"] == "received")
        let skip = await refusal {
            try await registration.call(ApplicationAdvance.self, .init(receptionNumber: reception, to: .shipped, trackingNumber: "T1"))
        }
        #expect(skip?.data?["state"] == "received")

        _ = try await registration.call(ApplicationAdvance.self, .init(receptionNumber: reception, to: .underReview))
        let requested = try await registration.call(
            ApplicationAdvance.self, .init(receptionNumber: reception, to: .documentsRequested, note: "The photo is blurred."))
        #expect(requested.note == "The photo is blurred.")

        let png = Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) + Data(repeating: 7, count: 2048)
        let wrongType = await refusal {
            try await registration.call(
                ApplicationUploadDocument.self,
                .init(session: token, documentType: "library_card", contentType: "image/png", data: png.base64EncodedString()))
        }
        #expect(wrongType?.reason == "document_type")
        let mismatch = await refusal {
            try await registration.call(
                ApplicationUploadDocument.self,
                .init(session: token, documentType: "passport", contentType: "image/jpeg", data: png.base64EncodedString()))
        }
        #expect(mismatch?.reason == "document_format_mismatch")
        let tooLarge = Data([0xFF, 0xD8, 0xFF]) + Data(repeating: 0, count: 4 << 20)
        #expect(await refusal {
            try await registration.call(
                ApplicationUploadDocument.self,
                .init(session: token, documentType: "passport", contentType: "image/jpeg", data: tooLarge.base64EncodedString()))
        }?.reason == "document_too_large")

        // Through madoctl, from a file.
        let file = fixture.sandbox.root.file("licence.png")
        try png.write(to: URL(fileURLWithPath: file))
        let uploaded = try await fixture.sandbox.madoctl(["application", "upload", "--session", token, "--type", "drivers_licence", file])
        #expect(uploaded.status == 0 && uploaded.stdout.contains("resubmitted"), "\(uploaded.stderr)")

        try fixture.sandbox.setClock("2026-11-23T10:00:00+09:00")
        let approved = try await registration.call(ApplicationAdvance.self, .init(receptionNumber: reception, to: .approved))
        #expect(approved.estimatedShipDate == "2026-11-26" && approved.latestShipDate == "2026-11-30")
        let shipped = try await fixture.sandbox.madoctl(
            ["application", "advance", reception.value, "shipped", "--tracking-number", "1234-5678-9012"])
        #expect(shipped.status == 0, "\(shipped.stderr)")
        // The customer's mail says the state in Japanese, the tracking number and when
        // the SIM should arrive (one to three days after shipping).
        try await waitUntil("the shipped mail") {
            fixture.sandbox.messages(to: "ichiro@example.jp").contains { $0.body.contains("発送済み") }
        }
        let shippedMail = try #require(fixture.sandbox.messages(to: "ichiro@example.jp").last { $0.body.contains("発送済み") })
        #expect(shippedMail.body.contains("1234-5678-9012") && shippedMail.body.contains("お届け予定: 11月24日〜11月26日"))
        #expect(!fixture.sandbox.messages(to: "ichiro@example.jp").contains { $0.body.contains("shipped") || $0.body.contains("under_review") })
        _ = try await registration.call(ApplicationAdvance.self, .init(receptionNumber: reception, to: .delivered))
        // Days later the old session has expired (30 minutes); the holder logs in again.
        #expect(await refusal { try await registration.call(ApplicationStatus.self, .init(session: token)) }?.reason == "session_invalid")
        let later = try await auth.call(SessionOpen.self, .init(.reception(reception, phone, try PIN(validating: "4821"))))
        let fresh = try #require(later.token)
        let cancelLate = await refusal { try await registration.call(ApplicationCancel.self, .init(session: fresh)) }
        #expect(cancelLate?.data?["state"] == "delivered")

        let activated = try await registration.call(ApplicationActivate.self, .init(session: fresh))
        #expect(activated.state == .activated && activated.lineNumber == "08099990000" && activated.portedOutAt != nil)
        #expect(activated.history.map(\.state) == [
            "received", "under_review", "documents_requested", "resubmitted", "approved", "shipped", "delivered", "activated",
        ])
        await auth.close()
        await registration.close()
        try await fixture.stop()
    }

    @Test(arguments: StorageEngine.allCases) func operatorMoves_refuseTheHoldersSteps_andANewLineGetsItsNumberAtShipping(_ engine: StorageEngine) async throws {
        let fixture = try await RegistrationFixture(engine: engine, importContracts: false)
        let registration = try await fixture.client()
        let reception = try await submit(registration)
        let byOperator = await refusal {
            try await registration.call(ApplicationAdvance.self, .init(receptionNumber: reception, to: .activated))
        }
        #expect(byOperator?.reason == "illegal_transition")
        _ = try await registration.call(ApplicationAdvance.self, .init(receptionNumber: reception, to: .underReview))
        _ = try await registration.call(ApplicationAdvance.self, .init(receptionNumber: reception, to: .approved))
        // Not a port-in: shipping without the new line's number is refused, and nothing moves.
        let numberless = await refusal {
            try await registration.call(ApplicationAdvance.self, .init(receptionNumber: reception, to: .shipped, trackingNumber: "T-1"))
        }
        #expect(numberless?.reason == "missing_member" && numberless?.data?["field"] == "lineNumber")
        #expect(try await registration.call(ApplicationShow.self, .init(receptionNumber: reception)).state == .approved)
        let shipped = try await registration.call(
            ApplicationAdvance.self,
            .init(receptionNumber: reception, to: .shipped, trackingNumber: "T-1", lineNumber: try PhoneNumber(validating: "07011112222")))
        #expect(shipped.lineNumber == "07011112222" && shipped.portedOutAt == nil)
        await registration.close()
        try await fixture.stop()
    }
    /// A port-in's MNP reservation holds 15 days counting the day of issue: one already
    /// lapsed is refused at submission, a port-in without one too, and a line delivered
    /// after it lapsed cannot be activated (on the last valid day it can).
    @Test(arguments: StorageEngine.allCases) func portIn_needsAnMNPReservation_thatStillHoldsAtActivation(_ engine: StorageEngine) async throws {
        let fixture = try await RegistrationFixture(engine: engine, importContracts: false)
        let registration = try await fixture.client()
        let auth = try await fixture.sandbox.client("auth")
        let lapsed = await refusal { try await submit(registration, portIn: "080-9999-0000", mnpIssuedOn: "2026-11-06") }
        #expect(lapsed?.reason == "mnp_reservation_expired" && lapsed?.data?["lastValidDay"] == "2026-11-20")
        let missing = await refusal {
            try await registration.call(
                ApplicationSubmit.self,
                .init(phoneNumber: phone, pin: try PIN(validating: "4821"), name: try PersonName(validating: "鈴木　一郎"),
                      kana: try KanaName(validating: "スズキ　イチロウ"), birthDate: try CivilDate(validating: "1988-08-08"),
                      email: try EmailAddress(validating: "ichiro@example.jp"), portInNumber: try PhoneNumber(validating: "080-9999-0000")))
        }
        #expect(missing?.reason == "missing_member" && missing?.data?["field"] == "mnpReservationNumber")

        // Issued on 21 November: valid through 5 December.
        let reception = try await submit(registration, portIn: "080-9999-0000", mnpIssuedOn: "2026-11-21")
        for state in [ApplicationState.underReview, .approved] {
            _ = try await registration.call(ApplicationAdvance.self, .init(receptionNumber: reception, to: state))
        }
        _ = try await registration.call(ApplicationAdvance.self, .init(receptionNumber: reception, to: .shipped, trackingNumber: "T-9"))
        _ = try await registration.call(ApplicationAdvance.self, .init(receptionNumber: reception, to: .delivered))
        try fixture.sandbox.setClock("2026-12-06T09:00:00+09:00")
        let session = try #require(try await auth.call(SessionOpen.self, .init(.reception(reception, phone, try PIN(validating: "4821")))).token)
        let late = await refusal { try await registration.call(ApplicationActivate.self, .init(session: session)) }
        #expect(late?.reason == "mnp_reservation_expired" && late?.data?["lastValidDay"] == "2026-12-05")
        #expect(try await registration.call(ApplicationShow.self, .init(receptionNumber: reception)).state == .delivered)
        try fixture.sandbox.setClock("2026-12-05T23:00:00+09:00")
        let activated = try await registration.call(ApplicationActivate.self, .init(session: session))
        #expect(activated.state == .activated && activated.portedOutAt != nil)
        await auth.close()
        await registration.close()
        try await fixture.stop()
    }
}
