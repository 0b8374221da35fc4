import AuthAPI
import Foundation
import JSONRPC
import LinesAPI
import MadoguchiModels
import TestSupport
import Testing

/// What the logs tell an operator, without a secret and once per incident: a PIN lock
/// when it is made (not for each refused try after it), a peer going down and coming
/// back (not one line per call that found it down).
@Suite(.sandboxed) struct OperatorLogTests {
    @Test func aPINLock_isLoggedOnce_whenItIsMade() async throws {
        let sandbox = try ServiceSandbox()
        let process = try await sandbox.startActivated("auth")
        let auth = try await sandbox.client("auth")
        let line = PINSubject.line(try PhoneNumber(validating: "09012345678"))
        _ = try await auth.call(PINSet.self, .init(subject: line, kind: .network, pin: try PIN(validating: "4821")))
        for _ in 0..<5 {
            _ = await refusal { try await auth.call(PINVerify.self, .init(subject: line, kind: .network, pin: try PIN(validating: "1593"))) }
        }
        await auth.close()
        let locks = process.log.components(separatedBy: "\n").filter { $0.contains("PIN locked after 3 wrong entries") }
        #expect(locks.count == 1, "\(process.log.suffix(2000))")
        #expect(locks.first?.contains("subject=line:09012345678") == true && locks.first?.contains("unlocks-at=2026-11-22T00:00:00+09:00") == true)
    }

    @Test func aPeerDown_isLoggedOnce_andItsReturnOnce() async throws {
        let fixture = try await LinesFixture(linesArguments: ["--peer-timeout", "2"], authBound: true)
        let lines = try await fixture.sandbox.client("lines", timeout: .seconds(20))
        _ = try await lines.call(LineStatus.self, .init(access: LinesFixture.byPIN(LinesFixture.voice)))
        try await fixture.auth.stop()
        for _ in 0..<3 {
            let refused = await refusal { try await lines.call(LineStatus.self, .init(access: LinesFixture.byPIN(LinesFixture.voice))) }
            #expect(refused?.reason == "unavailable")
        }
        fixture.auth.resume()
        _ = try await lines.call(LineStatus.self, .init(access: LinesFixture.byPIN(LinesFixture.voice)))
        await lines.close()
        let log = fixture.lines.log
        #expect(log.components(separatedBy: "peer unavailable").count == 2, "\(log.suffix(3000))")
        #expect(log.components(separatedBy: "peer answers again").count == 2, "\(log.suffix(3000))")
    }
}
