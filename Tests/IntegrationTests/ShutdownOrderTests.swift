import AuthAPI
import Foundation
import JSONRPC
import MadoguchiModels
import RegistrationAPI
import ServiceClient
import ServiceKit
import TestSupport
import Testing

/// SIGTERM stops the server first and the outbox deliverer after it, with a last pass:
/// mail written by the last calls leaves before the process exits.
@Suite(.sandboxed) struct ShutdownOrderTests {
    /// A code issued just before SIGTERM is in the spool when auth has exited. (With the
    /// deliverer stopped first, it waited in the outbox for the next start: the deliverer
    /// polls every quarter second, and the signal comes a moment after the commit.)
    @Test func aCodeIssuedRightBeforeSIGTERM_isDeliveredBeforeExit() async throws {
        let sandbox = try ServiceSandbox()
        let process = try await sandbox.startActivated("auth")
        let auth = try await sandbox.client("auth")
        let mail = try CodeDestination(channel: .mail, to: "hanako@example.jp")
        _ = try await auth.call(OTPIssue.self, .init(purpose: try CodePurpose(validating: "signup"), destination: mail))
        process.signal(SIGTERM)
        #expect(try await process.waitForExit() == 0)
        let codes = sandbox.messages(to: "hanako@example.jp").compactMap { SpooledCode.code(in: $0.body) }
        #expect(codes.count == 1, "\(sandbox.messages(to: "hanako@example.jp"))")
        await auth.close()
    }

    /// A call still being answered when SIGTERM comes is answered, and the mail it wrote
    /// leaves before registration exits. The recovery request waits out a 1.5 s floor
    /// after writing its mail, so the signal lands mid-call.
    @Test func aCallInFlightAtSIGTERM_isAnswered_andItsMailDelivered() async throws {
        let fixture = try await RegistrationFixture(registrationArguments: ["--even-answer-ms", "1500"])
        let registration = try await fixture.client()
        try await fixture.signUpTaro(registration)

        let request = Task {
            try await registration.call(
                RecoveryRequest.self,
                .init(
                    iccid: try ICCID(validating: "8981100000000000002"), phoneNumber: try PhoneNumber(validating: "09012345678"),
                    birthDate: try CivilDate(validating: "1985-04-12"), route: .screen))
        }
        try await Task.sleep(for: .milliseconds(500))  // ordering only: the call must be mid-floor
        fixture.registration.signal(SIGTERM)
        _ = try await request.value
        #expect(try await fixture.registration.waitForExit() == 0)
        let recoveryMail = fixture.sandbox.messages(to: "taro@example.jp").filter { $0.body.contains("/recovery?token=") }
        #expect(recoveryMail.count == 1)
        await registration.close()
        try await fixture.stop()
    }
}
