@testable import AuthService
import AuthAPI
import Foundation
import JSONRPC
import MadoguchiModels
import Testing
import TestSupport

/// Sessions on both engines, by the same tests, with two hosts (`TwoHosts`): a session
/// opened on one host is valid on the other, closing it on either ends it on both, and
/// its expiry is the service clock's on both.
@Suite struct SessionStoreTests {
    let phone = try! PhoneNumber(validating: "09012345678")
    let pin = try! PIN(validating: "4821")
    let peer = PeerCredentials(pid: 1, uid: 1000, gid: 1000)

    func invalid(_ call: () async throws -> SessionInfo) async -> Bool {
        do {
            _ = try await call()
            return false
        } catch AuthError.sessionInvalid {
            return true
        } catch {
            return false
        }
    }

    @Test(arguments: TwoHosts.Engine.allCases) func aSessionOpenedOnOneHost_livesAndEndsOnBoth(_ engine: TwoHosts.Engine) async throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        try await TwoHosts.run(engine) { hosts in
            let (a, b) = (try hosts.sessions(0, passwordsFolder: folder.path), try hosts.sessions(1, passwordsFolder: folder.path))
            _ = try await hosts.pinBook(0).set(
                pin, subject: .line(phone), kind: .network, holder: PINHolderFacts(), issued: false, channel: .web, peer: peer)
            let first = try await a.open(.phonePIN(phone, pin), peer: peer)
            let token = try #require(first.token)
            #expect(try await b.check(token).principal == "line:09012345678")
            try await b.close(token)
            #expect(await invalid { try await a.check(token) })

            // Expiry, by the clock both hosts read.
            let second = try #require(try await b.open(.phonePIN(phone, pin), peer: peer).token)
            #expect(try await a.check(second).method == "phone-pin")
            try hosts.setClock("2026-12-01T11:00:01+09:00")
            #expect(await invalid { try await a.check(second) })
            #expect(await invalid { try await b.check(second) })
            #expect(try await hosts.rows("audit") == 3)  // the PIN set, two sessions opened
        }
    }
}
