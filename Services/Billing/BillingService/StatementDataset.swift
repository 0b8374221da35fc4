import BillingAPI
import Foundation
import GRDB
import JSONRPC
import MadoguchiModels
import ServiceKit

/// Statements as the rating system exports them, one per customer and month, keyed by
/// both: importing a month again replaces each of its statements whole (items included).
/// The service computes the tax per rate and the total; a `total` in the file is checked
/// against it.
struct StatementDataset: ImportDataset {
    typealias Kind = StatementRecords
    typealias Row = MonthlyStatement

    let clock: any ServiceClock
    let rounding: TaxRounding
    let issuer: InvoiceRegistrationNumber?

    /// Bounds that keep every sum far from overflow and catch misplaced columns.
    static let maximumItems = 500
    static let quantities: ClosedRange<Int64> = 0...1_000_000
    static let unitPrices: ClosedRange<Int64> = -100_000_000...100_000_000
    static let fields: Set<String> = [
        "customerNumber", "month", "issueDate", "dueDate", "paymentMethod", "paymentStatus",
        "issuerRegistrationNumber", "total", "items",
    ]
    static let itemFields = Set(StatementRecords.itemColumns?.columns ?? [])

    func parse(_ fields: ImportFields) throws -> MonthlyStatement {
        try fields.refuseUnknown(Self.fields, kind: "a statement")
        let month = try fields.value("month", as: BillingMonth.self)
        if month < BillingMonth.earliestStatement {
            throw ImportRowProblem(
                field: "month", reason: "before_first_statement",
                message: "Statements begin in \(BillingMonth.earliestStatement); the month is earlier.")
        }
        let current = BillingMonth(containing: clock.now())
        if month > current {
            throw ImportRowProblem(
                field: "month", reason: "future_month", message: "The month is after the current month, \(current).")
        }
        let issueDate = try fields.value("issueDate", as: CivilDate.self)
        let dueDate = try fields.value("dueDate", as: CivilDate.self)
        if dueDate < issueDate {
            throw ImportRowProblem(field: "dueDate", reason: "due_before_issue", message: "The due date is before the issue date.")
        }
        guard let issuer = try fields.optionalValue("issuerRegistrationNumber", as: InvoiceRegistrationNumber.self) ?? issuer
        else {
            throw ImportRowProblem(
                field: "issuerRegistrationNumber", reason: "missing_field",
                message: "issuerRegistrationNumber is required (or start the service with --issuer-registration-number).")
        }
        let items = try Self.items(fields)
        let totals = StatementTotals(items: items, rounding: rounding)
        if let stated = try fields.optionalInteger("total", in: Int64.min / 4...Int64.max / 4), stated != totals.total.amount {
            throw ImportRowProblem(
                field: "total", reason: "total_mismatch",
                message: "The total does not match the items and their tax (tax rounded \(rounding.rawValue)).")
        }
        return MonthlyStatement(
            customerNumber: try fields.value("customerNumber", as: CustomerNumber.self).digits, month: month,
            issueDate: issueDate, dueDate: dueDate,
            paymentMethod: try Self.choice("paymentMethod", in: fields, PaymentMethod.allCases, label: \.label),
            paymentStatus: try Self.choice("paymentStatus", in: fields, PaymentStatus.allCases, label: \.label),
            issuerRegistrationNumber: issuer.value, items: items, taxes: totals.taxes, taxRounding: rounding,
            subtotal: totals.subtotal, tax: totals.tax, total: totals.total)
    }

    private static func items(_ fields: ImportFields) throws -> [StatementItem] {
        let objects = try fields.objects("items")
        guard (1...maximumItems).contains(objects.count) else {
            throw ImportRowProblem(
                field: "items", reason: objects.isEmpty ? "missing_field" : "too_many_items",
                message: "A statement has 1 to \(maximumItems) items.")
        }
        return try objects.enumerated().map { index, item in
            do {
                return try Self.item(item)
            } catch let problem as ImportRowProblem {
                throw ImportRowProblem(
                    field: "items[\(index + 1)]." + (problem.field ?? ""), reason: problem.reason, message: problem.message)
            }
        }
    }

    private static func item(_ item: ImportFields) throws(ImportRowProblem) -> StatementItem {
        try item.refuseUnknown(itemFields, kind: "an item")
        let code = try item.text("code")
        let description = try item.text("description")
        guard code.count <= 32 else {
            throw ImportRowProblem(field: "code", reason: "too_long", message: "An item code has at most 32 characters.")
        }
        guard description.count <= 200 else {
            throw ImportRowProblem(field: "description", reason: "too_long", message: "A description has at most 200 characters.")
        }
        let quantity = try item.integer("quantity", in: quantities)
        let unitPrice = try item.integer("unitPrice", in: unitPrices)
        let amount = try item.integer("amount", in: Int64.min / 4...Int64.max / 4)
        guard amount == quantity * unitPrice else {
            throw ImportRowProblem(
                field: "amount", reason: "amount_mismatch",
                message: "The amount is not quantity × unit price.")
        }
        guard let category = item.optionalText("taxCategory").flatMap(TaxCategory.init(spelled:)) else {
            throw ImportRowProblem(
                field: "taxCategory", reason: "invalid_tax_category",
                message: "The tax category is standard (10%), reduced (8%) or exempt.")
        }
        return StatementItem(
            code: code, description: description, quantity: quantity, unitPrice: Yen(unitPrice), amount: Yen(amount),
            taxCategory: category)
    }

    /// One of `choices`, by its name or its Japanese label.
    private static func choice<C: RawRepresentable<String> & CaseIterable>(
        _ name: String, in fields: ImportFields, _ choices: C.AllCases, label: (C) -> String
    ) throws -> C {
        let text = try fields.text(name)
        guard let choice = choices.first(where: { $0.rawValue == text.lowercased() || label($0) == text }) else {
            throw ImportRowProblem(
                field: name, reason: "invalid_choice",
                message: "\(name) is one of \(choices.map(\.rawValue).joined(separator: ", ")).")
        }
        return choice
    }

    func key(of row: MonthlyStatement) -> String { "\(row.customerNumber) \(row.month)" }

    /// Stores the staged statement as its document, with the columns the list shows
    /// read from it (its items and taxes are stepped over, not built).
    func apply(staged document: Data, in db: Database) throws -> ImportOutcome {
        let row = try StatementListing(staged: document)
        let existing = try Data.fetchOne(
            try db.cachedStatement(sql: "SELECT document FROM statement WHERE month = ? AND customerNumber = ?"),
            arguments: [row.month.storageKey, row.customerNumber])
        if existing == document { return .unchanged }
        try db.cachedStatement(
            sql: """
                INSERT OR REPLACE INTO statement
                  (customerNumber, month, issueDate, dueDate, paymentMethod, paymentStatus, total, tax, document)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """
        ).execute(arguments: [
            row.customerNumber, row.month.storageKey, row.issueDate, row.dueDate,
            row.paymentMethod, row.paymentStatus, row.total, row.tax, document,
        ])
        return existing == nil ? .inserted : .updated
    }
}
