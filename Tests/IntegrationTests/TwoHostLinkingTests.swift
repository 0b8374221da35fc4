import Foundation
import JSONRPC
import LinkingAPI
import MadoguchiModels
import ServiceClient
import ServiceKit
import TestSupport
import Testing

/// Two "hosts" of madoguchi-auth and madoguchi-linking on one PostgreSQL database (host A
/// also runs registration, where the carrier IDs are issued and journeys start): a journey
/// continues on whichever host a step reaches, wrong tries sent to both at once are all
/// counted, and one carrier ID finishing two journeys at once on two hosts links once.
@Suite(.sandboxed) struct TwoHostLinkingTests {
    static let ichiro = "ichiro@example.jp"

    @Test func journeysMoveBetweenHosts_triesOnBothCount_andACarrierIDLinksOnce() async throws {
        let a = try await LinkingFixture(engine: .postgres)
        let b = try ServiceSandbox(sharingDatabaseOf: a.sandbox)
        let bAuth = try await b.startActivated("auth")
        let bLinking = try await b.startActivated("linking")
        let hosts = [try await a.sandbox.client("linking", timeout: .seconds(30)), try await b.client("linking", timeout: .seconds(30))]
        try await a.issueCarrierID(Self.ichiro, password: "Kaede2026x", name: "山田 一郎", kana: "ヤマダ イチロウ")
        let session = try await a.login(Self.ichiro, "Kaede2026x")
        /// A code to `to` not seen before, from either host's spool.
        var seen: Set<String> = []
        func newCode(to: String) async throws -> String {
            let codes = { [a.sandbox, b].flatMap { $0.messages(to: to) }.compactMap { SpooledCode.code(in: $0.body) } }
            try await waitUntil("a new code to \(to)") { codes().contains { !seen.contains($0) } }
            let code = try #require(codes().first { !seen.contains($0) })
            seen.insert(code)
            return code
        }

        // Eight wrong codes at once, four through each host: five tries end the journey,
        // and every try is counted (a lost count would answer code_incorrect a fifth time).
        let doomed = try await a.startLink(hosts[0], session: session, ispEmail: "nobody@isp.example.ne.jp")
        let answers = await withTaskGroup(of: String.self) { group in
            for index in 0..<8 {
                let host = hosts[index % 2]
                group.addTask {
                    await refusal {
                        try await host.call(LinkCode.self, .init(session: session, journeyId: doomed.journeyId, code: "000000"))
                    }?.reason ?? "accepted"
                }
            }
            return await group.reduce(into: [String]()) { $0.append($1) }
        }
        #expect(answers.filter { $0 == "code_incorrect" }.count == 4, "\(answers)")
        #expect(answers.allSatisfy { ["code_incorrect", "too_many_tries", "journey_not_found"].contains($0) }, "\(answers)")
        #expect(await refusal { try await hosts[1].call(LinkStatus.self, .init(session: session, journeyId: doomed.journeyId)) }?.reason == "journey_not_found")

        // Two journeys of one carrier ID, each step on the other host than the last.
        let fibre = try await a.startLink(hosts[0], session: session, ispEmail: "ichiro@isp.example.ne.jp")
        _ = try await hosts[1].call(LinkCode.self, .init(session: session, journeyId: fibre.journeyId, code: try await newCode(to: "ichiro@isp.example.ne.jp")))
        _ = try await hosts[0].call(
            LinkISPLogin.self,
            .init(session: session, journeyId: fibre.journeyId, ispEmail: try EmailAddress(validating: "ichiro@isp.example.ne.jp"), password: "Hikari2026"))
        _ = try await hosts[1].call(LinkSecondFactorSend.self, .init(session: session, journeyId: fibre.journeyId, channel: .sms))
        let fibreCode = try await newCode(to: "09055550001")

        let adsl = try await a.startLink(hosts[0], session: session, ispEmail: "hanako@isp.example.ne.jp")
        _ = try await hosts[1].call(LinkCode.self, .init(session: session, journeyId: adsl.journeyId, code: try await newCode(to: "hanako@isp.example.ne.jp")))
        _ = try await hosts[0].call(
            LinkISPLogin.self,
            .init(session: session, journeyId: adsl.journeyId, ispEmail: try EmailAddress(validating: "hanako@isp.example.ne.jp"), password: "Denwa2026x"))
        _ = try await hosts[1].call(LinkSecondFactorSend.self, .init(session: session, journeyId: adsl.journeyId, channel: .voice))
        let adslCode = try await newCode(to: "0355550002")

        // Both finish at once, one on each host: the carrier ID links once.
        async let first = refusal { try await hosts[0].call(LinkSecondFactorVerify.self, .init(session: session, journeyId: fibre.journeyId, code: fibreCode)) }
        async let second = refusal { try await hosts[1].call(LinkSecondFactorVerify.self, .init(session: session, journeyId: adsl.journeyId, code: adslCode)) }
        let refusals = [await first, await second]
        #expect(refusals.filter { $0 == nil }.count == 1, "\(refusals)")
        #expect(refusals.compactMap { $0?.reason } == ["carrier_id_already_linked"], "\(refusals)")
        let confirmed = try await hosts[1].call(LinkConfirm.self, .init(session: session))
        #expect(try await hosts[0].call(LinkConfirm.self, .init(session: session)) == confirmed)
        #expect(try await a.audit() == ["linked \(confirmed.linkNumber)"])

        for host in hosts { await host.close() }
        try await TwoHostLinesTests.expectNoSecretInClear(
            database: try #require(a.sandbox.postgresDatabase), table: "linking.isp_link", spools: [a.sandbox, b])
        #expect(try await bLinking.terminate() == 0)
        #expect(try await bAuth.terminate() == 0)
        try await a.stop()
    }
}
