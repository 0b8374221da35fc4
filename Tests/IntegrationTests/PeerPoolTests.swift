import Foundation
import JSONRPC
import RegistrationAPI
import ServiceClient
import ServiceContract
import ServiceKit
import TestSupport
import Testing

/// Registration's pool of connections to auth (`PeerService`), seen from auth's side: the
/// connections its socket has accepted and not closed, counted by the kernel.
@Suite(.sandboxed) struct PeerPoolTests {
    /// Concurrent logins through registration spread over several connections to auth,
    /// and each caller gets its own account's session.
    @Test func concurrentLogins_openSeveralConnectionsToAuth_andEachGetsItsOwnAnswer() async throws {
        let fixture = try await RegistrationFixture(registrationArguments: ["--peer-connections", "4"])
        try await fixture.authConnectionsClosed()
        let setUp = try await fixture.client()
        try await fixture.signUpTaro(setUp)
        try await fixture.signUpHanako(setUp)
        await setUp.close()

        // Four logins: each hashes a password (a quarter of a second in a debug build, and
        // other tests hash on the same two cores), so many more would pass the 2 s peer
        // budget however they were spread.
        let accounts = [("taro.yamada", "12345"), ("hanako.sato", "67890"), ("nobody.here", nil)]
        let outcomes = try await withThrowingTaskGroup(of: (String, String?, Result<String, RPCError>).self) { group in
            for index in 0..<4 {
                let (account, customer) = accounts[index % accounts.count]
                group.addTask {
                    let client = try await fixture.client()
                    defer { Task { await client.close() } }
                    do {
                        let login = try await client.call(MyPageLogin.self, .init(loginId: account, password: "Sakura2026"))
                        // The session is auth's answer: whose it is shows in the profile.
                        let profile = try await client.call(MyPageProfile.self, .init(session: login.session))
                        return (account, customer, .success(profile.customerNumber))
                    } catch let error as RPCError {
                        return (account, customer, .failure(error))
                    }
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        for (account, customer, outcome) in outcomes {
            if let customer {
                #expect((try? outcome.get()) == customer, "\(account): \(outcome)")
            } else {
                #expect(outcome.failureReason == "password_incorrect", "\(account): \(outcome)")
            }
        }
        let open = try AcceptedUnixConnections.count(at: fixture.sandbox.socketPath("auth"))
        #expect((2...4).contains(open), "auth has \(open) connections from registration")
        try await fixture.stop()
    }

    /// Calls that all find no connection open wait for the one connect in progress instead
    /// of each making one (which left all but the last unused until auth's idle timeout).
    @Test func firstConcurrentCalls_connectOncePerSlot() async throws {
        let fixture = try await RegistrationFixture(importContracts: false, registrationArguments: ["--peer-connections", "1"])
        try await fixture.authConnectionsClosed()
        let client = try await fixture.client()
        let auth = fixture.sandbox.socketPath("auth")
        #expect(try AcceptedUnixConnections.count(at: auth) == 0)
        // Each `service.health` pings auth through registration's pool for it.
        let healthy = try await withThrowingTaskGroup(of: Bool.self) { group in
            for _ in 0..<16 { group.addTask { try await client.call(ServiceHealth.self).ok } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(healthy == Array(repeating: true, count: 16))
        #expect(try AcceptedUnixConnections.count(at: auth) == 1)
        await client.close()
        try await fixture.stop()
    }

    /// Auth hung (SIGSTOP): logins through registration answer `unavailable` within the
    /// peer timeout; resumed, the same pool serves the next logins, and it never held more
    /// connections than its bound.
    @Test func aHungAuth_makesCallsUnavailable_thenServesAgain_withoutLeakingConnections() async throws {
        let fixture = try await RegistrationFixture(registrationArguments: ["--peer-connections", "2", "--peer-timeout", "2"])
        try await fixture.authConnectionsClosed()
        let setUp = try await fixture.client()
        try await fixture.signUpTaro(setUp)
        await setUp.close()
        let authSocket = fixture.sandbox.socketPath("auth")

        func logins(_ count: Int) async -> [Result<String, RPCError>] {
            await withTaskGroup(of: Result<String, RPCError>.self) { group in
                for _ in 0..<count {
                    group.addTask {
                        do {
                            let client = try await fixture.client()
                            defer { Task { await client.close() } }
                            let login = try await client.call(MyPageLogin.self, .init(loginId: "taro.yamada", password: "Sakura2026"))
                            return .success(login.accountId)
                        } catch {
                            return .failure(error as? RPCError ?? RPCError(code: ErrorCode(0), message: "\(error)"))
                        }
                    }
                }
                return await group.reduce(into: []) { $0.append($1) }
            }
        }

        try await fixture.auth.stop()
        let started = ContinuousClock.now
        let hung = await logins(6)
        let waited = ContinuousClock.now - started
        fixture.auth.resume()
        for outcome in hung { #expect(outcome.failureReason == "unavailable", "\(outcome)") }
        #expect(waited < .seconds(4), "the calls took \(waited)")

        // Resumed, the same pool serves again. Six pings at once (`service.health` goes
        // through the pool logins use) spread over its connections without a password hash
        // each: three concurrent scrypt hashes of a debug build could pass the 2 s budget
        // on a loaded machine by themselves, which would say nothing about the pool.
        let client = try await fixture.client()
        for _ in 0..<2 {
            let healthy = try await withThrowingTaskGroup(of: Bool.self) { group in
                for _ in 0..<6 { group.addTask { try await client.call(ServiceHealth.self).ok } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(healthy == Array(repeating: true, count: 6))
            for outcome in await logins(1) { #expect((try? outcome.get()) == "taro.yamada", "\(outcome)") }
            let open = try AcceptedUnixConnections.count(at: authSocket)
            #expect((1...2).contains(open), "auth has \(open) connections from registration")
        }
        await client.close()
        try await fixture.stop()
    }

    /// Connections unused for `--peer-idle-seconds` are closed, so a socket-activated
    /// auth with `--idle-exit` exits once registration stops calling it.
    @Test func idleConnections_areClosed_soThePeerCanIdleExit() async throws {
        let fixture = try await RegistrationFixture(
            importContracts: false, authArguments: ["--idle-exit", "0.5"],
            registrationArguments: ["--peer-connections", "3", "--peer-idle-seconds", "0.3"], warmAuth: false)
        let client = try await fixture.client()
        let auth = fixture.sandbox.socketPath("auth")
        let healthy = try await withThrowingTaskGroup(of: Bool.self) { group in
            for _ in 0..<6 { group.addTask { try await client.call(ServiceHealth.self).ok } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(healthy == Array(repeating: true, count: 6))
        try await waitUntil("registration to close its idle connections to auth", timeout: .seconds(10)) {
            try AcceptedUnixConnections.count(at: auth) == 0
        }
        #expect(try await fixture.auth.waitForExit(timeout: .seconds(10)) == 0)
        #expect(fixture.auth.log.contains("idle; exiting"))
        await client.close()
        try await fixture.stop()
    }
}
