import BillingAPI
import Foundation
import JSONRPC
import MadoguchiModels
import ServiceContract
import ServiceKit
import Testing

@testable import BillingService

/// The pure rules of statements: tax per rate and its rounding, the 15-month window, and
/// the checks an imported row goes through.
@Suite struct StatementRulesTests {
    @Test(arguments: [
        (TaxRounding.down, 1_005, 10, 100), (.up, 1_005, 10, 101), (.halfUp, 1_005, 10, 101),
        (.down, 1_004, 10, 100), (.up, 1_004, 10, 101), (.halfUp, 1_004, 10, 100),
        (.down, 1_000, 10, 100), (.up, 1_000, 10, 100), (.halfUp, 1_000, 10, 100),
        (.down, 1_019, 8, 81), (.up, 1_019, 8, 82), (.halfUp, 1_019, 8, 82),
        (.down, -1_005, 10, -100), (.up, -1_005, 10, -101), (.halfUp, -1_005, 10, -101),
    ])
    func taxRounding_roundsEachWay(_ rounding: TaxRounding, _ amount: Int64, _ percent: Int64, _ expected: Int64) {
        #expect(rounding.tax(on: amount, percent: percent) == expected)
    }

    /// Tax is computed once per rate on the rate's sum, not per item: three items of 105
    /// yen at 10 % are 315 yen and 31 yen of tax, where rounding each item would give 30.
    @Test func totals_taxEachRateOnceOnItsSum() {
        let items = [
            item("A", 105, .standard), item("B", 105, .standard), item("C", 105, .standard),
            item("D", 215, .reduced), item("E", 110, .exempt),
        ]
        let totals = StatementTotals(items: items, rounding: .down)
        #expect(totals.taxes.map(\.taxCategory) == [.standard, .reduced, .exempt])
        #expect(totals.taxes.map(\.subtotal) == [315, 215, 110])
        #expect(totals.taxes.map(\.tax) == [31, 17, 0])
        #expect(totals.subtotal == 640)
        #expect(totals.tax == 48)
        #expect(totals.total == 688)
        #expect(StatementTotals(items: items, rounding: .up).taxes.map(\.tax) == [32, 18, 0])
    }

    @Test func window_isFifteenMonthsUpToTheCurrentOne_inTokyo() throws {
        // 2026-11-30 16:00 UTC is 2026-12-01 01:00 in Tokyo: December is current.
        let window = StatementWindow(now: try instant("2026-11-30T16:00:00Z"))
        #expect(window.to.description == "2026-12")
        #expect(window.from.description == "2025-10")
        // Across the year boundary.
        let january = StatementWindow(now: try instant("2027-01-15T03:00:00Z"))
        #expect(january.from.description == "2025-11")
        #expect(january.to.description == "2027-01")
        // Never before July 2020.
        let early = StatementWindow(now: try instant("2021-03-10T03:00:00Z"))
        #expect(early.from.description == "2020-07")
        #expect(january.months.count == 15 && january.months.first == january.from && january.months.last == january.to)
        #expect(early.months.map(\.description).prefix(2) == ["2020-07", "2020-08"] && early.months.count == 9)
        #expect(throws: BillingError.self) { try early.check(try BillingMonth(validating: "2020-06")) }
    }

    @Test func window_namesTheLimitThatApplies() throws {
        let window = StatementWindow(now: try instant("2026-11-21T03:00:00Z"))
        #expect(reason { try window.check(try BillingMonth(validating: "2025-08")) } == "outside_window")
        #expect(reason { try window.check(try BillingMonth(validating: "2026-12")) } == "outside_window")
        #expect(reason { try window.check(try BillingMonth(validating: "2020-06")) } == "before_first_statement")
        #expect(reason { try window.check(try BillingMonth(validating: "2025-09")) } == nil)
    }

    @Test func parse_checksAmountsTotalsAndLimits() throws {
        let dataset = StatementDataset(
            clock: FixedClock(try instant("2026-11-21T03:00:00Z")), rounding: .down,
            issuer: try InvoiceRegistrationNumber(validating: "T1010001067912"))
        let good = row()
        let statement = try dataset.parse(ImportFields(good))
        #expect(statement.total == 3_278)
        #expect(statement.issuerRegistrationNumber == "T1010001067912")

        func problem(_ change: (inout [String: JSONValue]) -> Void) -> String? {
            var fields = good
            change(&fields)
            do {
                _ = try dataset.parse(ImportFields(fields))
                return nil
            } catch let problem as ImportRowProblem {
                return "\(problem.field ?? "-"):\(problem.reason)"
            } catch {
                return "\(error)"
            }
        }
        #expect(problem { $0["month"] = "2020-06" } == "month:before_first_statement")
        #expect(problem { $0["month"] = "2026-12" } == "month:future_month")
        #expect(problem { $0["total"] = 3_279 } == "total:total_mismatch")
        #expect(problem { $0["items"] = .array([]) } == "items:missing_field")
        #expect(problem { $0["paymentMethod"] = "cash" } == "paymentMethod:invalid_choice")
        #expect(problem { $0["dueDate"] = "2026-10-01" } == "dueDate:due_before_issue")
        #expect(problem { $0["issuerRegistrationNumber"] = "T1010001067913" } == "issuerRegistrationNumber:invalid_check_digit")
        #expect(problem { $0["colour"] = "blue" } == "colour:unknown_field")
        #expect(problem { $0["items"] = .array([self.itemFields(amount: 2_981)]) } == "items[1].amount:amount_mismatch")
        #expect(problem { $0["items"] = .array([self.itemFields(category: "12%")]) } == "items[1].taxCategory:invalid_tax_category")
        #expect(problem { $0["items"] = .array([self.itemFields(quantity: "lots")]) } == "items[1].quantity:not_a_whole_number")
        #expect(problem { _ in } == nil)
    }

    /// The staged form is the `Codable` encoding, byte for byte (documents stored before
    /// either way compare equal on re-import), and reads back to the same statement.
    @Test func stagedForm_isTheCodableEncoding_andReadsBack() throws {
        let dataset = StatementDataset(clock: FixedClock(try instant("2026-11-21T03:00:00Z")), rounding: .halfUp, issuer: nil)
        var fields = row()
        fields["items"] = .array([
            itemFields(),
            ["code": "W1", "description": "割引 \"家族\"\n改行", "quantity": 2, "unitPrice": -550, "amount": -1_100, "taxCategory": "8%"],
            ["code": "S1", "description": "🇯🇵 / \\", "quantity": 0, "unitPrice": 110, "amount": 0, "taxCategory": "exempt"],
        ])
        fields["total"] = nil
        let statement = try dataset.parse(ImportFields(fields))
        let staged = try dataset.staged(statement)
        #expect(staged == (try JSONCoding.encoder.encode(statement)))
        #expect(try MonthlyStatement(json: JSONValue.parse(staged)) == statement)
        let listing = try StatementListing(staged: staged)
        #expect(listing.total == statement.total.amount && listing.tax == statement.tax.amount)
        #expect(listing.month == statement.month && listing.dueDate == statement.dueDate.description)
        #expect(throws: (any Error).self) { try StatementListing(staged: Data(#"{"customerNumber":1}"#.utf8)) }
    }

    @Test func registrationNumbers_checkTheCorporateNumbersCheckDigit() throws {
        #expect(try InvoiceRegistrationNumber(validating: "T7000012050002").value == "T7000012050002")
        #expect(try InvoiceRegistrationNumber(validating: "ｔ１０１０００１０６７９１２").value == "T1010001067912")
        #expect(throws: ModelValidationError.self) { try InvoiceRegistrationNumber(validating: "T7000012050003") }
        #expect(throws: ModelValidationError.self) { try InvoiceRegistrationNumber(validating: "7000012050002") }
        #expect(throws: ModelValidationError.self) { try InvoiceRegistrationNumber(validating: "T700001205000") }
    }

    @Test func csv_startsWithABOM_andQuotesWhatNeedsIt() throws {
        let dataset = StatementDataset(clock: FixedClock(try instant("2026-11-21T03:00:00Z")), rounding: .down, issuer: nil)
        var fields = row()
        fields["items"] = .array([itemFields(description: "端末代金, 分割 \"24回\"")])
        fields["total"] = nil
        let csv = try StatementCSVFile.make(try dataset.parse(ImportFields(fields)))
        #expect(Array(csv.csv.utf8.prefix(3)) == [0xEF, 0xBB, 0xBF])
        #expect(csv.csv.contains("\"端末代金, 分割 \"\"24回\"\"\""))
        #expect(csv.csv.contains("ご請求金額,3278\r\n"))
        #expect(csv.filename == "statement-12345-2026-10.csv")
    }

    // MARK: - Helpers

    private func row() -> [String: JSONValue] {
        [
            "customerNumber": "0012345", "month": "2026-10", "issueDate": "2026-10-05", "dueDate": "2026-10-26",
            "paymentMethod": "credit_card", "paymentStatus": "paid", "issuerRegistrationNumber": "T1010001067912",
            "total": 3_278, "items": .array([itemFields()]),
        ]
    }

    private func itemFields(
        amount: Int64 = 2_980, category: String = "10%", quantity: JSONValue = 1, description: String = "基本料金"
    ) -> JSONValue {
        .object([
            "code": "B001", "description": .string(description), "quantity": quantity, "unitPrice": 2_980,
            "amount": .int(amount), "taxCategory": .string(category),
        ])
    }

    private func item(_ code: String, _ amount: Yen, _ category: TaxCategory) -> StatementItem {
        StatementItem(code: code, description: code, quantity: 1, unitPrice: amount, amount: amount, taxCategory: category)
    }

    private func instant(_ text: String) throws -> Date {
        try #require(ISO8601DateFormatter().date(from: text))
    }

    private func reason(_ body: () throws -> Void) -> String? {
        do {
            try body()
            return nil
        } catch let error as BillingError {
            return error.rpcError.reason
        } catch {
            return "\(error)"
        }
    }
}

/// A clock stopped at one instant.
struct FixedClock: ServiceClock {
    let instant: Date
    init(_ instant: Date) { self.instant = instant }
    func now() -> Date { instant }
}
