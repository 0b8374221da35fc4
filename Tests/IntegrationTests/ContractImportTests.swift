import Foundation
import JSONRPC
import MadoguchiModels
import RegistrationAPI
import Testing
import TestSupport

/// Contract import through `madoctl` into the real registration service.
@Suite(.sandboxed) struct ContractImportTests {

    @Test(arguments: StorageEngine.allCases) func importIsAllOrNothing_reportsRefusedRows_andRunsAgainWithoutChange(_ engine: StorageEngine) async throws {
        let fixture = try await RegistrationFixture(engine: engine)
        let sandbox = fixture.sandbox
        let registration = try await fixture.client()
        let shown = try await registration.call(ContractShow.self, .init(customerNumber: try CustomerNumber(validating: "12345")))
        #expect(shown.kana == "アイコム\u{3000}タロウ" && shown.phoneNumbers == ["09012345678"])
        let hanako = try await registration.call(ContractShow.self, .init(customerNumber: try CustomerNumber(validating: "67890")))
        #expect(hanako.phoneNumbers == ["0312345678", "08011112222"] && hanako.services == ["fibre", "mobile-data"])

        // The same file again: nothing changes.
        let again = try await sandbox.madoctl(["contracts", "import", sandbox.root.file("contracts.jsonl"), "--json"])
        #expect(again.status == 0)
        #expect(GoldenJSON.parse(again.stdout)?["unchanged"] == 2)

        // A CSV (with a BOM) with one good row and two bad ones: nothing is applied.
        let csv = "\u{FEFF}customerNumber,name,kana,birthDate,phoneNumbers,email\n"
            + "555,山田　一郎,ﾔﾏﾀﾞ ｲﾁﾛｳ,1970-01-01,090-5555-0000,ichiro@example.jp\n"
            + "556,山田　二郎,やまだ　じろう,1972-01-01,090-5555-0001,\n"
            + "557,山田　三郎,ヤマダ　サブロウ,1974-13-01,090-5555-0002,\n"
        let file = sandbox.root.file("bad.csv")
        try Data(csv.utf8).write(to: URL(fileURLWithPath: file))
        let refused = try await sandbox.madoctl(["contracts", "import", file])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("row 3 (kana)") && refused.stderr.contains("row 4 (birthDate)"), "\(refused.stderr)")
        #expect(await refusal {
            try await registration.call(ContractShow.self, .init(customerNumber: try CustomerNumber(validating: "555")))
        } != nil)

        // Fixed, it goes in, and half-width kana is stored in the record form.
        let fixed = csv.replacingOccurrences(of: "やまだ　じろう", with: "ヤマダ　ジロウ").replacingOccurrences(of: "1974-13-01", with: "1974-12-01")
        try Data(fixed.utf8).write(to: URL(fileURLWithPath: file))
        let accepted = try await sandbox.madoctl(["contracts", "import", file])
        #expect(accepted.status == 0, "\(accepted.stderr)")
        #expect(accepted.stdout.contains("3 new"))
        let ichiro = try await registration.call(ContractShow.self, .init(customerNumber: try CustomerNumber(validating: "555")))
        #expect(ichiro.kana == "ヤマダ\u{3000}イチロウ")

        // A duplicate customer number within one file is refused too.
        let duplicate = sandbox.root.file("dup.jsonl")
        let line = #"{"customerNumber":"777","name":"a","kana":"ア　イ","birthDate":"2000-01-01","phoneNumbers":["09000000777"]}"#
        try Data((line + "\n" + line.replacingOccurrences(of: "\"777\"", with: "\"0777\"") + "\n").utf8).write(to: URL(fileURLWithPath: duplicate))
        let dup = try await sandbox.madoctl(["contracts", "import", duplicate, "--json"])
        #expect(dup.status == 1)
        guard case .array(let rows)? = GoldenJSON.parse(dup.stdout)?["error"]?["data"]?["rejected"] else {
            Issue.record("no rejected rows in \(dup.stdout)")
            return
        }
        #expect(rows.first?["reason"] == "duplicate_row" && rows.first?["row"] == 2)
        await registration.close()
        try await fixture.stop()
    }

    @Test(.enabled(if: getuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv")))
    func importIsRefusedToCallersWhoAreNotOperators() async throws {
        let fixture = try await RegistrationFixture(importContracts: false)
        let sandbox = fixture.sandbox
        let asNobody = try await sandbox.madoctlAsNobody(
            "registration", ["call", sandbox.socketPath("registration"), "contracts.import.begin", "--json"])
        #expect(asNobody.status == 1)
        #expect(GoldenJSON.parse(asNobody.stdout)?["error"]?["data"]?["reason"] == "operator_only")
        try await fixture.stop()
    }
}
