@testable import AuthService
import AuthAPI
import Foundation
import JSONRPC
import MadoguchiModels
import Testing
import ServiceKit

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
        try await TwoHosts.run(engine) { hosts in
            let (a, b) = (hosts.sessions(0), hosts.sessions(1))
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

    /// A password set on one host logs in on the other; a pending one only after it is
    /// activated, on either; the audit trail both hosts read holds every step.
    @Test(arguments: TwoHosts.Engine.allCases) func aPasswordSetOnOneHost_logsInOnTheOther(_ engine: TwoHosts.Engine) async throws {
        try await TwoHosts.run(engine) { hosts in
            let (a, b) = (hosts.passwordBook(0), hosts.passwordBook(1))
            let login = try LoginID(validating: "hanako.sato")
            try await a.set("KumoNoUe7x", for: login, pending: true, customerNumber: "1000001", peer: peer)
            await #expect(throws: AuthError.self) { try await b.verify("KumoNoUe7x", for: login, peer: peer) }
            try await b.activate(login, password: "KumoNoUe7x", peer: peer)
            #expect(try await a.verify("KumoNoUe7x", for: login, peer: peer) == "1000001")
            // A new password without a customer number keeps the one stored.
            try await b.set("SoraShita8y", for: login, peer: peer)
            #expect(try await a.verify("SoraShita8y", for: login, peer: peer) == "1000001")
            await #expect(throws: AuthError.self) { try await b.verify("KumoNoUe7x", for: login, peer: peer) }
            let events = try await hosts.hosts[1].audit.newest(subject: nil, in: try AuditRange(since: nil, until: nil), limit: 10).map(\.event)
            #expect(events == ["password_set", "password_failure", "password_activated", "password_set", "password_failure"].reversed())
        }
    }
}
