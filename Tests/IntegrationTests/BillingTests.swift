import AuthAPI
import BillingAPI
import Foundation
import JSONRPC
import MadoguchiModels
import RegistrationAPI
import ServiceContract
import ServiceKit
import TestSupport
import Testing

/// Statements across the real billing, auth and registration processes: the 15-month
/// window on the test clock, tax per rate, ownership of sessions, re-imports.
@Suite(.sandboxed) struct BillingTests {
    func customer(_ number: String) throws -> StatementOwner { StatementOwner(customerNumber: try CustomerNumber(validating: number)) }
    func month(_ text: String) throws -> BillingMonth { try BillingMonth(validating: text) }

    @Test(arguments: StorageEngine.allCases) func window_movesWithTheClock_acrossTheYear_andNeverBeforeJuly2020(_ engine: StorageEngine) async throws {
        let fixture = try await BillingFixture(now: "2026-11-21T12:00:00+09:00", engine: engine)
        let everyMonth = BillingFixture.months(from: (2020, 7), through: (2026, 11))
        let imported = try await fixture.importStatements(everyMonth.map { BillingFixture.monthly("12345", $0) })
        #expect(imported.status == 0, "\(imported.stderr)")
        #expect(imported.stdout.contains("Imported 77 rows of statements: 77 new"))
        let billing = try await fixture.client()

        let november = try await billing.call(StatementsList.self, try customer("12345"))
        #expect(november.from.description == "2025-09" && november.to.description == "2026-11")
        #expect(november.statements.map(\.month.description) == Array(everyMonth.suffix(15).reversed()))
        #expect(november.statements.first?.total == Yen((3_000 + 2_611) * 110 / 100))

        // Past the year's end: 2025-11 to 2027-01, and nothing yet for December or January.
        try fixture.sandbox.setClock("2027-01-01T00:00:00+09:00")
        let january = try await billing.call(StatementsList.self, try customer("12345"))
        #expect(january.from.description == "2025-11" && january.to.description == "2027-01")
        #expect(january.statements.map(\.month.description) == Array(everyMonth.suffix(13).reversed()))
        // 23:59 on New Year's Eve in Tokyo is still December's window.
        try fixture.sandbox.setClock("2026-12-31T14:59:59Z")
        #expect(try await billing.call(StatementsList.self, try customer("12345")).from.description == "2025-10")

        let outside = await refusal { try await billing.call(StatementsShow.self, .init(try customer("12345"), month: try month("2025-09"))) }
        #expect(outside?.reason == "outside_window")
        #expect(outside?.data?["from"]?.stringValue == "2025-10" && outside?.data?["to"]?.stringValue == "2026-12")
        #expect(try await billing.call(StatementsShow.self, .init(try customer("12345"), month: try month("2025-10"))).month.description == "2025-10")

        // In 2021 the window reaches back only to the first month, July 2020.
        try fixture.sandbox.setClock("2021-03-10T12:00:00+09:00")
        let early = try await billing.call(StatementsList.self, try customer("12345"))
        #expect(early.from.description == "2020-07" && early.statements.count == 9)
        #expect(early.statements.last?.month.description == "2020-07")
        let tooEarly = await refusal { try await billing.call(StatementsShow.self, .init(try customer("12345"), month: try month("2020-06"))) }
        #expect(tooEarly?.reason == "before_first_statement" && tooEarly?.data?["earliest"]?.stringValue == "2020-07")
        let noStatement = await refusal { try await billing.call(StatementsShow.self, .init(try customer("67890"), month: try month("2021-01"))) }
        #expect(noStatement?.reason == "statement_not_found")

        // A statement before July 2020 is refused, and with it the whole file.
        let refused = try await fixture.importStatements(
            [BillingFixture.monthly("67890", "2021-01"), BillingFixture.monthly("67890", "2020-06")], name: "early.jsonl")
        #expect(refused.status == 1 && refused.stderr.contains("row 2 (month)"), "\(refused.stderr)")
        #expect(try await billing.call(StatementsList.self, try customer("67890")).statements.isEmpty)
        await billing.close()
        try await fixture.stop()
    }

    /// A real-looking mobile statement: every 10 % charge taxed once on their sum, a
    /// reduced-rate item at 8 %, a non-taxable fee, and each rounding mode.
    @Test(arguments: StorageEngine.allCases) func tax_isComputedOncePerRate_withTheConfiguredRounding(_ engine: StorageEngine) async throws {
        var fixture = try await BillingFixture(engine: engine)
        let items = [
            BillingFixture.item("B001", "基本料金（5Gギガホ）", 1, 7_315, "10%"),
            BillingFixture.item("D101", "端末代金 分割支払金（24回のうち3回目）", 1, 4_583, "standard"),
            BillingFixture.item("C201", "国内通話料", 37, 22, "10%"),
            BillingFixture.item("W301", "家族割引", 1, -1_100, "10%"),
            BillingFixture.item("U401", "ユニバーサルサービス料", 1, 2, "10%"),
            BillingFixture.item("M501", "新聞購読料（電子版）", 1, 1_019, "8%"),
            BillingFixture.item("S601", "収納代行手数料", 1, 110, "非課税"),
        ]
        // 10 %: 7315 + 4583 + 814 − 1100 + 2 = 11614 → 1161.4; 8 %: 1019 → 81.52.
        let october = BillingFixture.statement("12345", "2026-10", items: items, total: 11_614 + 1_161 + 1_019 + 81 + 110)
        let imported = try await fixture.importStatements([october])
        #expect(imported.status == 0, "\(imported.stderr)")
        var billing = try await fixture.client()
        let down = try await billing.call(StatementsShow.self, .init(try customer("12345"), month: try month("2026-10")))
        #expect(down.taxes.map(\.taxCategory) == [.standard, .reduced, .exempt])
        #expect(down.taxes.map(\.subtotal) == [11_614, 1_019, 110])
        #expect(down.taxes.map(\.tax) == [1_161, 81, 0])
        #expect(down.subtotal == 12_743 && down.tax == 1_242 && down.total == 13_985)
        #expect(down.taxRounding == .down && down.issuerRegistrationNumber == BillingFixture.issuer)
        #expect(down.items.count == 7 && down.items[2].amount == 814)

        // A total that does not add up is refused, naming the field and the rounding, not
        // the amounts (stated or computed).
        let wrong = try await fixture.importStatements(
            [BillingFixture.statement("12345", "2026-10", items: items, total: 13_986)], name: "wrong.jsonl")
        #expect(wrong.status == 1 && wrong.stderr.contains("(total)") && wrong.stderr.contains("tax rounded down"), "\(wrong.stderr)")
        #expect(!wrong.stderr.contains("13985") && !wrong.stderr.contains("13986"), "\(wrong.stderr)")

        // Rounded up, the same file gives 1162 and 82: re-importing replaces the month.
        await billing.close()
        try await fixture.restartBilling(arguments: ["--tax-rounding", "up"])
        let again = try await fixture.importStatements(
            [BillingFixture.statement("12345", "2026-10", items: items)], name: "up.jsonl")
        #expect(again.stdout.contains("1 updated"), "\(again.stdout) \(again.stderr)")
        billing = try await fixture.client()
        let up = try await billing.call(StatementsShow.self, .init(try customer("12345"), month: try month("2026-10")))
        #expect(up.taxes.map(\.tax) == [1_162, 82, 0] && up.total == 13_987 && up.taxRounding == .up)

        try await fixture.restartBilling(arguments: ["--tax-rounding", "half-up"])
        #expect(try await fixture.importStatements([BillingFixture.statement("12345", "2026-10", items: items)], name: "half.jsonl").status == 0)
        billing = try await fixture.client()
        let half = try await billing.call(StatementsShow.self, .init(try customer("12345"), month: try month("2026-10")))
        #expect(half.taxes.map(\.tax) == [1_161, 82, 0] && half.total == 13_986)

        // The list shows the month's total and tax.
        let list = try await billing.call(StatementsList.self, try customer("12345"))
        #expect(list.statements.map(\.total) == [13_986] && list.statements.map(\.tax) == [1_243])
        await billing.close()
        try await fixture.stop()
    }

    @Test(arguments: StorageEngine.allCases) func reimport_replacesTheMonth_fromCSVWithOneLinePerItem_andExportsWithABOM(_ engine: StorageEngine) async throws {
        let fixture = try await BillingFixture(engine: engine)
        let first = [
            BillingFixture.statement(
                "12345", "2026-10",
                items: [
                    BillingFixture.item("B001", "基本料金", 1, 2_980, "10%"), BillingFixture.item("O101", "留守番電話", 1, 330, "10%"),
                    BillingFixture.item("O102", "キャッチホン", 1, 220, "10%"),
                ], status: "unpaid"),
            BillingFixture.monthly("67890", "2026-10"),
        ]
        #expect(try await fixture.importStatements(first).stdout.contains("2 new"))
        #expect(try await fixture.importStatements(first, name: "same.jsonl").stdout.contains("2 unchanged"))

        // The corrected month as CSV: one line per item, the statement's columns repeated.
        let csv = """
            \u{FEFF}customerNumber,month,issueDate,dueDate,paymentMethod,paymentStatus,issuerRegistrationNumber,code,description,quantity,unitPrice,amount,taxCategory
            00012345,2026-10,2026-10-05,2026-10-26,口座振替,paid,\(BillingFixture.issuer),B001,基本料金,1,"2,980","2,980",10%
            00012345,2026-10,2026-10-05,2026-10-26,口座振替,paid,\(BillingFixture.issuer),M001,"雑誌 ""週刊テレコム"", 電子版",2,500,1000,8%
            67890,2026-10,2026-10-05,2026-10-26,credit_card,paid,\(BillingFixture.issuer),B001,基本料金,1,5610,5610,10%

            """
        let file = fixture.sandbox.root.file("october.csv")
        try Data(csv.utf8).write(to: URL(fileURLWithPath: file))
        let corrected = try await fixture.sandbox.madoctl(["statements", "import", file])
        #expect(corrected.status == 0 && corrected.stdout.contains("2 rows") && corrected.stdout.contains("1 updated, 1 unchanged"),
                "\(corrected.stdout) \(corrected.stderr)")

        let billing = try await fixture.client()
        let october = try await billing.call(StatementsShow.self, .init(try customer("12345"), month: try month("2026-10")))
        #expect(october.items.map(\.code) == ["B001", "M001"])
        #expect(october.paymentMethod == .bankAccount && october.paymentStatus == .paid)
        #expect(october.total == Yen(2_980 + 298 + 1_000 + 80))

        let shown = try await fixture.sandbox.madoctl(["statements", "show", "--customer", "12345", "2026-10"])
        #expect(shown.status == 0 && shown.stdout.contains("M001") && shown.stdout.contains("total 4,358円"), "\(shown.stdout)")

        // Export through madoctl: UTF-8 with a BOM, Japanese headings, quoted description.
        let output = fixture.sandbox.root.file("export.csv")
        let export = try await fixture.sandbox.madoctl(["statements", "export", "--customer", "12345", "2026-10", "--output", output])
        #expect(export.status == 0, "\(export.stderr)")
        let bytes = try Data(contentsOf: URL(fileURLWithPath: output))
        #expect(Array(bytes.prefix(3)) == [0xEF, 0xBB, 0xBF])
        let text = String(decoding: bytes.dropFirst(3), as: UTF8.self)
        #expect(text.hasPrefix("ご請求月,2026-10\r\n"))
        #expect(text.contains("M001,\"雑誌 \"\"週刊テレコム\"\", 電子版\",2,500,1000,8%（軽減税率）対象\r\n"))
        #expect(text.contains("ご請求金額,4358\r\n"))
        await billing.close()
        try await fixture.stop()
    }

    @Test(arguments: StorageEngine.allCases) func sessions_seeOnlyTheirOwnCustomersStatements_checkedWithAuth(_ engine: StorageEngine) async throws {
        let fixture = try await BillingFixture(engine: engine)
        #expect(try await fixture.importStatements([
            BillingFixture.monthly("12345", "2026-10"), BillingFixture.monthly("67890", "2026-10"),
            // Issued on the 25th: an operator sees it at once, the customer from that day.
            BillingFixture.statement("12345", "2026-11", items: [BillingFixture.item("B001", "基本料金", 1, 3_000, "10%")],
                                     issued: "2026-11-25", due: "2026-12-10", status: "unpaid"),
        ]).status == 0)

        // A My Page account made through registration's sign-up: its session carries the
        // contract's customer number from auth. Auth is started first, so that its cold
        // start on a loaded machine does not eat registration's 2-second peer timeout.
        let warm = try await fixture.sandbox.client("auth", timeout: .seconds(30))
        _ = try await warm.call(ServicePing.self)
        await warm.close()
        let registration = try await fixture.registration.client()
        try await fixture.registration.signUpTaro(registration, accountId: "taro.billing")
        let session = try await registration.call(MyPageLogin.self, .init(loginId: "taro.billing", password: "Sakura2026")).session

        let billing = try await fixture.client()
        let own = try await billing.call(StatementsList.self, .init(session: session))
        #expect(own.customerNumber == "12345" && own.statements.map(\.month.description) == ["2026-10"])
        #expect(try await billing.call(StatementsList.self, try customer("12345")).statements.count == 2)
        #expect(await refusal {
            try await billing.call(StatementsShow.self, .init(.init(session: session), month: try month("2026-11")))
        }?.reason == "statement_not_found")
        try fixture.sandbox.setClock("2026-11-25T00:00:00+09:00")
        // (A session lasts 30 minutes: log in again after moving the clock.)
        let later = try await registration.call(MyPageLogin.self, .init(loginId: "taro.billing", password: "Sakura2026")).session
        #expect(try await billing.call(StatementsList.self, .init(session: later)).statements.count == 2)

        // Another customer's statements, however asked, are refused.
        let other = await refusal {
            try await billing.call(StatementsShow.self, .init(.init(session: later, customerNumber: try CustomerNumber(validating: "67890")), month: try month("2026-10")))
        }
        #expect(other?.reason == "not_own_statements")
        #expect(await refusal { try await billing.call(StatementsList.self, .init(session: "not-a-token")) }?.reason == "session_invalid")
        // A login with no contract (a carrier ID) has no statements.
        let auth = try await fixture.sandbox.client("auth")
        _ = try await auth.call(PasswordSet.self, .init(loginId: try LoginID(validating: "carrier.only"), password: "Sakura2026"))
        let carrier = try await auth.call(SessionOpen.self, .init(.password(try LoginID(validating: "carrier.only"), "Sakura2026")))
        #expect(await refusal { try await billing.call(StatementsList.self, .init(session: carrier.token)) }?.reason == "session_not_applicable")
        await auth.close()

        // madoctl with the session; and a uid that is no operator cannot name a customer.
        let cli = try await fixture.sandbox.madoctl(["statements", "list", "--session", later])
        #expect(cli.status == 0 && cli.stdout.contains("2026-11") && cli.stdout.contains("未払い"), "\(cli.stdout) \(cli.stderr)")
        let nobody = try await fixture.sandbox.madoctlAsNobody("billing", ["statements", "list", "--customer", "67890", "--runtime-dir", fixture.sandbox.runtimeDirectory])
        #expect(nobody.status == 1 && nobody.stderr.contains("operator"), "\(nobody.stderr)")

        // Auth down: a clear "unavailable", quickly, never a hang.
        _ = try await fixture.registration.auth.terminate()
        let started = ContinuousClock.now
        let down = await refusal { try await billing.call(StatementsList.self, .init(session: later)) }
        #expect(down?.reason == "unavailable" && down?.data?["service"]?.stringValue == "auth")
        #expect(ContinuousClock.now - started < .seconds(5))
        // Operators still read (no session to check).
        #expect(try await billing.call(StatementsList.self, try customer("67890")).statements.count == 1)
        await billing.close()
        await registration.close()
        fixture.billing.signal(SIGTERM)
        _ = try await fixture.billing.waitForExit()
        _ = try await fixture.registration.registration.terminate()
    }

    /// My Page account IDs and carrier IDs share auth's `login` realm. A sign-up left
    /// provisional frees its ID after 24 hours, but its pending password stays in auth with
    /// the contract's customer number; a carrier ID that takes the ID later must not
    /// inherit that number, nor the statements it opens.
    @Test(arguments: StorageEngine.allCases) func aCarrierIDOnTheIDOfAnAbandonedSignUp_seesNoOnesStatements(_ engine: StorageEngine) async throws {
        let fixture = try await BillingFixture(engine: engine)
        #expect(try await fixture.importStatements([BillingFixture.monthly("12345", "2026-10")]).status == 0)
        let registration = try await fixture.registration.client()
        let checked = try await registration.call(
            SignUpVerifyIdentity.self,
            .init(customerNumber: try CustomerNumber(validating: "12345"), phoneNumber: try PhoneNumber(validating: "09012345678"),
                  kana: try KanaName(validating: "アイコム　タロウ")))
        _ = try await registration.call(
            SignUpSubmit.self,
            .init(ticket: checked.ticket, accountId: try AccountID(validating: "taro.yamada"), password: "Sakura2026",
                  email: try EmailAddress(validating: "taro@example.jp"), nickname: "たろう"))
        // Never completed: a day later the ID is free again.
        try fixture.sandbox.setClock("2026-11-22T12:00:01+09:00")
        #expect(try await registration.call(SignUpCheckAccountID.self, .init(accountId: "taro.yamada")).available)

        let journey = try await registration.call(CarrierIDStart.self, .init(email: try EmailAddress(validating: "jiro@example.jp"))).journeyId
        _ = try await registration.call(CarrierIDVerifyKey.self, .init(journeyId: journey, code: try await fixture.registration.code(to: "jiro@example.jp")))
        _ = try await registration.call(CarrierIDChooseID.self, .init(journeyId: journey, carrierId: "taro.yamada"))
        _ = try await registration.call(
            CarrierIDDetails.self,
            .init(journeyId: journey, password: "Tsubaki2026", name: try PersonName(validating: "佐藤 次郎"),
                  kana: try KanaName(validating: "ｻﾄｳ ｼﾞﾛｳ"), gender: .male, birthDate: try CivilDate(validating: "1992-05-05"),
                  contactMobile: try PhoneNumber(validating: "080-3333-4444")))
        _ = try await registration.call(CarrierIDConfirm.self, .init(journeyId: journey, acceptTerms: true))
        #expect(try await registration.call(CarrierIDConsent.self, .init(journeyId: journey, share: false, dontAskAgain: false)).step == .issued)

        let auth = try await fixture.sandbox.client("auth")
        let session = try await auth.call(SessionOpen.self, .init(.password(try LoginID(validating: "taro.yamada"), "Tsubaki2026")))
        #expect(session.customerNumber == nil)
        let billing = try await fixture.client()
        #expect(await refusal { try await billing.call(StatementsList.self, .init(session: session.token)) }?.reason == "session_not_applicable")
        await auth.close()
        await billing.close()
        await registration.close()
        fixture.billing.signal(SIGTERM)
        _ = try await fixture.billing.waitForExit()
        try await fixture.registration.stop()
    }

    /// A refused import names each row, field and rule, never the refused values: not the
    /// amounts (stated or computed) nor the month (README: messages never contain the
    /// values they refuse).
    @Test(arguments: StorageEngine.allCases) func rejectedImport_namesRowFieldAndRule_neverTheAmountsOrMonthRefused(_ engine: StorageEngine) async throws {
        let fixture = try await BillingFixture(engine: engine)
        let wrongAmount = JSONValue.object([
            "code": "B001", "description": "基本料金", "quantity": .int(1), "unitPrice": .int(3_210), "amount": .int(4_567),
            "taxCategory": "10%",
        ])
        let refused = try await fixture.importStatements([
            BillingFixture.statement("12345", "2026-10", items: [wrongAmount]),
            BillingFixture.statement("12345", "2026-09", items: [BillingFixture.item("B001", "基本料金", 1, 3_210, "10%")], total: 98_765),
            BillingFixture.monthly("12345", "2020-06"),
        ])
        #expect(refused.status == 1)
        for rule in ["row 1 (items[1].amount): The amount is not", "row 2 (total): The total does not match", "row 3 (month): Statements begin"] {
            #expect(refused.stderr.contains(rule), "\(refused.stderr)")
        }
        // The stated amounts, the computed ones (3,210 × 1; 3,531 with tax) and the month.
        for value in ["4567", "4,567", "3210", "3,210", "98765", "98,765", "3531", "3,531", "2020-06"] {
            #expect(!refused.stderr.contains(value), "\(value) in \(refused.stderr)")
        }
        let billing = try await fixture.client()
        #expect(try await billing.call(StatementsList.self, try customer("12345")).statements.isEmpty)
        await billing.close()
        try await fixture.stop()
    }

    /// The data-set generator's files import as they are (its statements add up).
    @Test(arguments: StorageEngine.allCases) func generatedStatements_importCleanly(_ engine: StorageEngine) async throws {
        let fixture = try await BillingFixture(engine: engine)
        let folder = fixture.sandbox.root.file("generated")
        let generated = try await fixture.sandbox.madoctl(
            ["generate", "statements", "--customers", "300", "--months", "3", "--through", "2026-11", "--as-of", "2026-11-20", "--output", folder])
        #expect(generated.status == 0, "\(generated.stderr)")
        let files = generated.stdout.split(separator: "\n").map(String.init)
        #expect(files.map { URL(fileURLWithPath: $0).lastPathComponent }
                == ["statements-2026-09.jsonl", "statements-2026-10.jsonl", "statements-2026-11.jsonl"])
        for file in files {
            let imported = try await fixture.sandbox.madoctl(["statements", "import", file])
            #expect(imported.stdout.contains("Imported 300 rows of statements: 300 new"), "\(imported.stdout) \(imported.stderr)")
        }
        let billing = try await fixture.client()
        let list = try await billing.call(StatementsList.self, try customer("299"))
        #expect(list.statements.map(\.month.description) == ["2026-11", "2026-10", "2026-09"])
        let detail = try await billing.call(StatementsShow.self, .init(try customer("299"), month: try month("2026-11")))
        #expect(detail.total == detail.subtotal + detail.tax && detail.items.count >= 3)
        // As of 20 November: November's statement (due the 26th) is not paid yet; October's is.
        #expect(detail.paymentStatus == .unpaid)
        let october = try await billing.call(StatementsShow.self, .init(try customer("299"), month: try month("2026-10")))
        #expect(october.paymentStatus == .paid)
        // Importing a month again leaves every statement as it is.
        let again = try await fixture.sandbox.madoctl(["statements", "import", files[2]])
        #expect(again.stdout.contains("Imported 300 rows of statements: 0 new, 0 updated, 300 unchanged"), "\(again.stdout) \(again.stderr)")
        await billing.close()
        // Where the statements are: the sandbox's engine, and no SQLite file beside it.
        let stateFiles = try FileManager.default.contentsOfDirectory(atPath: fixture.sandbox.root.file("billing"))
        #expect(stateFiles.contains("billing.sqlite") == (engine == .sqlite), "\(stateFiles)")
        #expect(fixture.billing.log.contains("keeping state in PostgreSQL") == (engine == .postgres))
        try await fixture.stop()
    }
}
