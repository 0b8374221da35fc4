@testable import AuthService
import AuthAPI
import Foundation
import JSONRPC
import Testing
import ServiceKit

/// One-time codes on both engines, by the same tests, with two hosts (`TwoHosts`). The
/// code is read back from the sealed outbox, as a customer would from the mail.
@Suite struct CodeStoreTests {
    let purpose = try! CodePurpose(validating: "isp-link")
    let destination = try! CodeDestination(channel: .mail, to: "hanako@example.jp")

    /// The code books of two hosts over one database, and the code in the newest message.
    func withHosts(_ engine: TwoHosts.Engine, _ body: ([OneTimeCodes], _ lastCodeSent: () async throws -> String) async throws -> Void)
        async throws
    {
        try await TwoHosts.run(engine) { hosts in
            try await body([hosts.codeBook(0), hosts.codeBook(1)]) {
                let body = try #require(try await hosts.lastMessage()).body
                return String(try #require(body.firstMatch(of: /確認コード: (\d+)/)).output.1)
            }
        }
    }

    func reason(_ call: () async throws -> VerifiedCode) async -> String? {
        do {
            _ = try await call()
            return nil
        } catch let error as OneTimeCodeError {
            return error.rpcError.reason
        } catch {
            return "\(error)"
        }
    }

    /// A code issued on one host is checked on the other, and used up for both.
    @Test(arguments: TwoHosts.Engine.allCases) func aCodeIssuedOnOneHost_isUsedOnceOnEither(_ engine: TwoHosts.Engine) async throws {
        try await withHosts(engine) { books, lastCodeSent in
            let (a, b) = (books[0], books[1])
            _ = try await a.issue(purpose: purpose, destination: destination)
            let code = try await lastCodeSent()
            #expect(try await b.verify(purpose: purpose, destination: destination, code: code).verified)
            #expect(await reason { try await a.verify(purpose: purpose, destination: destination, code: code) } == "code_not_found")
        }
    }

    /// The same right code sent to both hosts at once, ten times: exactly one check
    /// succeeds; every other finds no live code.
    @Test(arguments: TwoHosts.Engine.allCases) func theSameCodeCheckedOnBothHostsAtOnce_succeedsOnce(_ engine: TwoHosts.Engine) async throws {
        try await withHosts(engine) { books, lastCodeSent in
            _ = try await books[0].issue(purpose: purpose, destination: destination)
            let code = try await lastCodeSent()
            let (purpose, destination) = (purpose, destination)
            let successes = await withTaskGroup(of: Bool.self) { group in
                for index in 0..<10 {
                    let book = books[index % 2]
                    group.addTask { (try? await book.verify(purpose: purpose, destination: destination, code: code)) != nil }
                }
                return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
            }
            #expect(successes == 1)
        }
    }

    /// Wrong tries on both hosts add up: the fifth, wherever it is made, voids the code,
    /// and the right code is refused after it.
    @Test(arguments: TwoHosts.Engine.allCases) func wrongTriesOnBothHosts_addUpToTheLimit(_ engine: TwoHosts.Engine) async throws {
        try await withHosts(engine) { books, lastCodeSent in
            let (a, b) = (books[0], books[1])
            _ = try await b.issue(purpose: purpose, destination: destination)
            let code = try await lastCodeSent()
            let wrong = code == "000000" ? "111111" : "000000"
            for (index, book) in [a, b, a, b].enumerated() {
                #expect(await reason { try await book.verify(purpose: purpose, destination: destination, code: wrong) } == "code_incorrect",
                        "try \(index + 1)")
            }
            #expect(await reason { try await a.verify(purpose: purpose, destination: destination, code: wrong) } == "code_too_many_tries")
            #expect(await reason { try await b.verify(purpose: purpose, destination: destination, code: code) } == "code_not_found")
        }
    }

    /// A new code issued on one host voids the one issued on the other.
    @Test(arguments: TwoHosts.Engine.allCases) func aNewCodeOnOneHost_voidsTheOldOneOnTheOther(_ engine: TwoHosts.Engine) async throws {
        try await withHosts(engine) { books, lastCodeSent in
            let (a, b) = (books[0], books[1])
            _ = try await a.issue(purpose: purpose, destination: destination)
            let old = try await lastCodeSent()
            _ = try await b.issue(purpose: purpose, destination: destination)
            let new = try await lastCodeSent()
            if old != new {
                #expect(await reason { try await a.verify(purpose: purpose, destination: destination, code: old) } == "code_incorrect")
            }
            #expect(try await a.verify(purpose: purpose, destination: destination, code: new).verified)
        }
    }
}
