import Foundation
import JSONRPC
import JSONRPCTransport
import MadoguchiModels
import PostgresNIO
import RegistrationAPI
import ServiceClient
import ServiceContract
import ServiceKit
import TestSupport
import Testing

/// Two "hosts" of madoguchi-auth and madoguchi-registration on one PostgreSQL database,
/// each with its own sandbox, sockets and spool: one account ID claimed on both at once
/// goes to one customer, a keyed application repeated on both at once is one
/// application, and a recovery letter is sent once with both hosts' letter senders
/// running.
@Suite(.sandboxed) struct TwoHostRegistrationTests {
    @Test func oneNameOneApplicationOneLetter_acrossHosts() async throws {
        let a = try await RegistrationFixture(engine: .postgres)
        let b = try ServiceSandbox(sharingDatabaseOf: a.sandbox)
        let bAuth = try await b.startActivated("auth")
        let bRegistration = try await b.startActivated("registration")
        let hosts = [try await a.sandbox.client("registration", timeout: .seconds(30)), try await b.client("registration", timeout: .seconds(30))]
        let spooled = { [a.sandbox, b].flatMap { SpoolReader.entries(in: $0.spoolDirectory) } }

        // One customer, two IDs, one ticket, both hosts at once (two tabs): one sign-up
        // stands — the other is replaced, or finds the ticket used — never two accounts.
        let twice = try await hosts[0].call(
            SignUpVerifyIdentity.self,
            .init(customerNumber: try CustomerNumber(validating: "67890"), phoneNumber: try PhoneNumber(validating: "08011112222"),
                  kana: try KanaName(validating: "サトウ　ハナコ")))
        async let one = refusal {
            try await hosts[0].call(
                SignUpSubmit.self,
                .init(ticket: twice.ticket, accountId: try AccountID(validating: "hanako.one"), password: "Sakura2026",
                      email: try EmailAddress(validating: "hanako@example.jp"), nickname: "x"))
        }
        async let two = refusal {
            try await hosts[1].call(
                SignUpSubmit.self,
                .init(ticket: twice.ticket, accountId: try AccountID(validating: "hanako.two"), password: "Sakura2026",
                      email: try EmailAddress(validating: "hanako@example.jp"), nickname: "x"))
        }
        let tabs = await [one, two]
        #expect(tabs.filter { $0 == nil }.count == 1 && tabs.compactMap { $0?.reason } == ["identity_check_expired"], "\(tabs)")

        /// The sign-up links mailed to `email`, from either spool.
        func linkTokens(to email: String) -> Set<String> {
            Set(spooled().filter { $0.to == email }.flatMap { $0.body.matches(of: /token=([A-Za-z0-9_-]+)/).map { String($0.1) } })
        }
        /// The newest sign-up link mailed to `email` (one not in `earlier`).
        func linkToken(to email: String, after earlier: Set<String> = []) async throws -> String {
            try await waitUntil("a new sign-up link to \(email) in either spool") { !linkTokens(to: email).subtracting(earlier).isEmpty }
            return try #require(linkTokens(to: email).subtracting(earlier).first)
        }
        // Hanako's sign-up above sent a link too (its account is replaced below if she signs up again).
        try await waitUntil("the first sign-up's link") { !linkTokens(to: "hanako@example.jp").isEmpty }
        let hanakosFirst = linkTokens(to: "hanako@example.jp")

        // Taro through A and Hanako through B ask for one ID at once: one of them has it.
        let taro = try await hosts[0].call(
            SignUpVerifyIdentity.self,
            .init(customerNumber: try CustomerNumber(validating: "12345"), phoneNumber: try PhoneNumber(validating: "09012345678"),
                  kana: try KanaName(validating: "アイコム　タロウ")))
        let hanako = try await hosts[1].call(
            SignUpVerifyIdentity.self,
            .init(customerNumber: try CustomerNumber(validating: "67890"), phoneNumber: try PhoneNumber(validating: "08011112222"),
                  kana: try KanaName(validating: "サトウ　ハナコ")))
        let claims: [(RPCClient, String, String)] = [(hosts[0], taro.ticket, "taro@example.jp"), (hosts[1], hanako.ticket, "hanako@example.jp")]
        let answers = await withTaskGroup(of: (String, String).self) { group in
            for (host, ticket, email) in claims {
                group.addTask {
                    let refused = await refusal {
                        try await host.call(
                            SignUpSubmit.self,
                            .init(ticket: ticket, accountId: try AccountID(validating: "shared.name"), password: "Sakura2026",
                                  email: try EmailAddress(validating: email), nickname: "x"))
                    }
                    return (email, refused?.reason ?? "reserved")
                }
            }
            return await group.reduce(into: [String: String]()) { $0[$1.0] = $1.1 }
        }
        #expect(answers.values.sorted() == ["id_taken", "reserved"], "\(answers)")
        let winner = try #require(answers.first { $0.value == "reserved" }?.key)
        let token = try await linkToken(to: winner, after: winner == "hanako@example.jp" ? hanakosFirst : [])
        #expect(try await hosts[1].call(SignUpComplete.self, .init(token: token, password: "Sakura2026")).accountId == "shared.name")
        #expect(try await hosts[0].call(SignUpCheckAccountID.self, .init(accountId: "shared.name")).available == false)
        // Taro (whose contract has a postal address) signs up under another ID if he lost.
        if winner != "taro@example.jp" {
            _ = try await hosts[0].call(
                SignUpSubmit.self,
                .init(ticket: taro.ticket, accountId: try AccountID(validating: "taro.yamada"), password: "Sakura2026",
                      email: try EmailAddress(validating: "taro@example.jp"), nickname: "x"))
            _ = try await hosts[0].call(SignUpComplete.self, .init(token: try await linkToken(to: "taro@example.jp"), password: "Sakura2026"))
        }

        // One keyed application, sent to both hosts at once: one reception number.
        let application = ApplicationSubmit.Params(
            phoneNumber: try PhoneNumber(validating: "090-5555-1234"), pin: try PIN(validating: "4821"),
            name: try PersonName(validating: "鈴木　一郎"), kana: try KanaName(validating: "スズキ　イチロウ"),
            birthDate: try CivilDate(validating: "1988-08-08"), email: try EmailAddress(validating: "ichiro@example.jp"),
            idempotencyKey: try IdempotencyKey(validating: "application-0001"))
        async let first = hosts[0].call(ApplicationSubmit.self, application)
        async let second = hosts[1].call(ApplicationSubmit.self, application)
        let receptions = try await [first.receptionNumber, second.receptionNumber]
        #expect(receptions[0] == receptions[1], "\(receptions)")

        // A letter asked for through B is sent once, whichever host's sender takes it.
        _ = try await hosts[1].call(
            RecoveryRequest.self,
            .init(iccid: try ICCID(validating: "8981100000000000002"), phoneNumber: try PhoneNumber(validating: "090-1234-5678"),
                  birthDate: try CivilDate(validating: "1985-04-12"), route: .post))
        let database = try #require(a.sandbox.postgresDatabase)
        try await waitUntil("the letter sent and every message delivered") {
            try await PostgresCluster.shared().withClient(database: database) { client in
                var waiting = -1
                for try await count in try await client.query(
                    """
                    SELECT (SELECT count(*) FROM registration.letter_job WHERE sent_at IS NULL)
                         + (SELECT count(*) FROM registration.outbox WHERE delivered_at IS NULL)
                    """
                ).decode(Int.self) { waiting = count }
                return waiting == 0
            }
        }
        #expect(spooled().filter { $0.channel == .letter }.count == 1, "\(spooled().map(\.to))")
        // Both applications' mails and the rest: each message once.
        #expect(spooled().filter { $0.to == "ichiro@example.jp" }.count == 1)

        for host in hosts { await host.close() }
        try await TwoHostLinesTests.expectNoSecretInClear(database: database, table: "registration.account", spools: [a.sandbox, b])
        #expect(try await bRegistration.terminate() == 0)
        #expect(try await bAuth.terminate() == 0)
        try await a.stop()
    }
}
