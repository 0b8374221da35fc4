import Foundation
import JSONRPC
import LinkingAPI
import MadoguchiModels
import Testing
import TestSupport

/// `madoctl link|isp-contracts|isp` against the real auth, registration and linking
/// processes, and the ISP contract import's rules.
@Suite(.sandboxed) struct LinkingCLITests {
    @Test(arguments: StorageEngine.allCases) func madoctl_walksTheWholeJourney_andLogsInToTheISPWithTheCarrierID(_ engine: StorageEngine) async throws {
        let fixture = try await LinkingFixture(engine: engine)
        try await fixture.issueCarrierID("ichiro@example.jp", password: "Kaede2026x", name: "山田 一郎", kana: "ヤマダ イチロウ")
        let session = try await fixture.login("ichiro@example.jp", "Kaede2026x")
        func madoctl(_ arguments: [String], input: String? = nil) async throws -> String {
            let result = try await fixture.sandbox.madoctl(arguments, input: input)
            #expect(result.status == 0, "\(arguments): \(result.stderr)")
            return result.stdout
        }
        let started = try JSONValue.parse(Data(try await madoctl([
            "link", "start", "--session", session, "--name", "山田 一郎", "--kana", "ﾔﾏﾀﾞ ｲﾁﾛｳ", "--birth-date", "1970-03-03",
            "--isp-email", "ichiro@isp.example.ne.jp", "--json",
        ]).utf8))
        let journey = try #require(started["journeyId"]?.stringValue)
        let step = ["--session", session, "--journey", journey]
        let code = try await fixture.code(to: "ichiro@isp.example.ne.jp")
        #expect(try await madoctl(["link", "code"] + step, input: code + "\n").contains("next isp_login"))
        let loggedIn = try await madoctl(["link", "isp-login"] + step + ["--isp-email", "ichiro@isp.example.ne.jp"], input: "Hikari2026\n")
        #expect(loggedIn.contains("phone on file *******0001 takes sms or voice"))
        #expect(try await madoctl(["link", "second-factor"] + step + ["--send", "sms"]).contains("code sent by sms"))
        let sms = try await fixture.code(to: "09055550001")
        let linked = try await madoctl(["link", "second-factor"] + step, input: sms + "\n")
        #expect(linked.contains("next linked") && linked.contains("N100000001 (fibre with family plan)"))
        #expect(try await madoctl(["link", "confirm", "--session", session]).contains("carrier ID ichiro@example.jp ↔ N100000001"))

        let isp = try await madoctl(["login", "--for", "isp", "--login-id", "ichiro@example.jp"], input: "Kaede2026x\n")
        #expect(isp.contains("carrier ID ichiro@example.jp → ISP N100000001 (fibre with family plan) until "))
        #expect(try await madoctl(["link", "unlink", "--session", session]).contains("unlinked L"))
        let after = try await fixture.sandbox.madoctl(["login", "--for", "isp", "--login-id", "ichiro@example.jp"], input: "Kaede2026x\n")
        #expect(after.status == 1 && after.stderr.contains("login_failed"), "\(after)")
        try await fixture.stop()
    }

    @Test(arguments: StorageEngine.allCases) func ispContractImport_refusesBadRows_takenAddressesAndPasswords_andPasswordsAreOperatorOnly(_ engine: StorageEngine) async throws {
        let fixture = try await LinkingFixture(engine: engine)
        // Rows are checked as they are staged; a clash with stored contracts at the commit.
        let checked = try await rejections(fixture, [
            #"{"customerNumber":"N100000003","description":"fibre","email":"new@isp.example.ne.jp","phoneNumber":"03-1111-2222","phoneKind":"mobile","holderName":"佐藤 一"}"#,
            #"{"customerNumber":"N100000005","description":"fibre","email":"five@isp.example.ne.jp","phoneNumber":"090-1111-3333","phoneKind":"mobile","holderName":"佐藤 三","password":"Secret2026"}"#,
            #"{"customerNumber":"N10000006","description":"fibre","email":"six@isp.example.ne.jp","phoneNumber":"090-1111-4444","phoneKind":"mobile","holderName":"佐藤 四"}"#,
        ])
        #expect(checked == ["1 phone_kind_mismatch", "2 unknown_field", "3 invalid_isp_customer_number"])
        let clashing = try await rejections(fixture, [
            #"{"customerNumber":"N100000007","description":"fibre","email":"seven@isp.example.ne.jp","phoneNumber":"090-1111-5555","phoneKind":"mobile","holderName":"佐藤 五"}"#,
            #"{"customerNumber":"N100000004","description":"fibre","email":"ICHIRO@isp.example.ne.jp","phoneNumber":"090-1111-2222","phoneKind":"mobile","holderName":"佐藤 二"}"#,
        ])
        #expect(clashing == ["2 email_taken"])
        // Nothing of a refused file is kept: the good first row neither.
        let shown = try await fixture.sandbox.madoctl(["link", "show", "N100000007"])
        #expect(shown.status == 1 && shown.stderr.contains("isp_contract_not_found"), "\(shown)")

        let unknown = try await fixture.sandbox.madoctl(["isp-contracts", "set-password", "N999999999"], input: "Hikari2026\n")
        #expect(unknown.status == 1 && unknown.stderr.contains("isp_contract_not_found"), "\(unknown)")
        let nobody = try await fixture.sandbox.madoctlAsNobody(
            "linking",
            [
                "call", "linking", "ispContracts.setPassword", #"{"customerNumber":"N100000001","password":"Nobody2026"}"#,
                "--runtime-dir", fixture.sandbox.runtimeDirectory,
            ])
        #expect(nobody.status == 1 && nobody.stderr.contains("operator"), "\(nobody)")
        try await fixture.stop(registrationActivated: false)

        // The ISP passwords were set in auth, hashed: no database, log or message holds them.
        let root = fixture.sandbox.root.path
        let files = try #require(FileManager.default.subpathsOfDirectory(atPath: root) as [String]?)
        #expect(files.contains { $0.hasSuffix("auth.sqlite") } == (engine == .sqlite))
        if let database = fixture.sandbox.postgresDatabase {
            let dump = try await PostgresCluster.shared().dump(database: database)
            #expect(dump.contains("COPY auth.password") && dump.contains("COPY linking.isp_contract"))
            for password in LinkingFixture.ispPasswords.values { #expect(!dump.contains(password), "\(password) in the database") }
        }
        for name in files {
            guard let contents = FileManager.default.contents(atPath: root + "/" + name) else { continue }
            for password in LinkingFixture.ispPasswords.values {
                #expect(contents.range(of: Data(password.utf8)) == nil, "\(password) in \(name)")
            }
        }
    }

    /// Imports `lines` and answers the refused rows as `row reason`.
    private func rejections(_ fixture: LinkingFixture, _ lines: [String]) async throws -> [String] {
        let file = fixture.sandbox.root.file("more.jsonl")
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: file))
        let refused = try await fixture.sandbox.madoctl(["isp-contracts", "import", file, "--json"])
        #expect(refused.status == 1)
        guard case .array(let rows)? = try JSONValue.parse(Data(refused.stdout.utf8))["error"]?["data"]?["rejected"] else {
            Issue.record("no rejected rows in \(refused)")
            return []
        }
        return rows.map { "\($0["row"]?.jsonText ?? "") \($0["reason"]?.stringValue ?? "")" }
    }
}
