import BillingAPI
import Foundation
import JSONRPC
import MadoguchiModels

/// A statement waits in the staging table, and is stored, as the same JSON text its
/// `Codable` encoding gives (`StatementRulesTests` holds the two equal), but written and
/// read member by member: `JSONEncoder`/`JSONDecoder` walking a statement and its items
/// through generic containers was a third of a million-statement import's time.
extension StatementDataset {
    func staged(_ row: MonthlyStatement) throws -> Data {
        row.json.compactJSON
    }

}

/// The columns of a statement that its list shows, read from its staged form.
struct StatementListing {
    var customerNumber: String
    var month: BillingMonth
    var issueDate: String
    var dueDate: String
    var paymentMethod: String
    var paymentStatus: String
    var total: Int64
    var tax: Int64

    init(staged document: Data) throws {
        let fields = try StoredFields(JSONValue.parse(document, skippingMembers: ["items", "taxes"]))
        customerNumber = try fields.string("customerNumber")
        month = try fields.value("month")
        issueDate = try fields.string("issueDate")
        dueDate = try fields.string("dueDate")
        paymentMethod = try fields.string("paymentMethod")
        paymentStatus = try fields.string("paymentStatus")
        total = try fields.integer("total")
        tax = try fields.integer("tax")
    }
}

extension MonthlyStatement {
    /// The statement as its `Codable` encoding writes it.
    var json: JSONValue {
        .object([
            "customerNumber": .string(customerNumber), "month": .string(month.canonicalText),
            "issueDate": .string(issueDate.canonicalText), "dueDate": .string(dueDate.canonicalText),
            "paymentMethod": .string(paymentMethod.rawValue), "paymentStatus": .string(paymentStatus.rawValue),
            "issuerRegistrationNumber": .string(issuerRegistrationNumber),
            "items": .array(items.map(\.json)), "taxes": .array(taxes.map(\.json)),
            "taxRounding": .string(taxRounding.rawValue),
            "subtotal": .int(subtotal.amount), "tax": .int(tax.amount), "total": .int(total.amount),
        ])
    }

    /// A statement from the form `json` writes.
    init(json: JSONValue) throws {
        let fields = try StoredFields(json)
        self.init(
            customerNumber: try fields.string("customerNumber"), month: try fields.value("month"),
            issueDate: try fields.value("issueDate"), dueDate: try fields.value("dueDate"),
            paymentMethod: try fields.choice("paymentMethod"), paymentStatus: try fields.choice("paymentStatus"),
            issuerRegistrationNumber: try fields.string("issuerRegistrationNumber"),
            items: try fields.list("items").map { item in
                StatementItem(
                    code: try item.string("code"), description: try item.string("description"),
                    quantity: try item.integer("quantity"), unitPrice: Yen(try item.integer("unitPrice")),
                    amount: Yen(try item.integer("amount")), taxCategory: try item.choice("taxCategory"))
            },
            taxes: try fields.list("taxes").map { line in
                TaxLine(
                    taxCategory: try line.choice("taxCategory"), subtotal: Yen(try line.integer("subtotal")),
                    tax: Yen(try line.integer("tax")))
            },
            taxRounding: try fields.choice("taxRounding"), subtotal: Yen(try fields.integer("subtotal")),
            tax: Yen(try fields.integer("tax")), total: Yen(try fields.integer("total")))
    }
}

extension StatementItem {
    var json: JSONValue {
        .object([
            "code": .string(code), "description": .string(description), "quantity": .int(quantity),
            "unitPrice": .int(unitPrice.amount), "amount": .int(amount.amount), "taxCategory": .string(taxCategory.rawValue),
        ])
    }
}

extension TaxLine {
    var json: JSONValue {
        .object([
            "taxCategory": .string(taxCategory.rawValue), "ratePercent": .int(ratePercent),
            "subtotal": .int(subtotal.amount), "tax": .int(tax.amount),
        ])
    }
}

/// The members of a stored object, each of the type the writer gave it.
private struct StoredFields {
    let members: [String: JSONValue]

    init(_ value: JSONValue) throws {
        guard case .object(let members) = value else { throw StoredStatementError(field: "statement") }
        self.members = members
    }

    func string(_ name: String) throws -> String {
        guard case .string(let text)? = members[name] else { throw StoredStatementError(field: name) }
        return text
    }

    func integer(_ name: String) throws -> Int64 {
        guard case .int(let number)? = members[name] else { throw StoredStatementError(field: name) }
        return number
    }

    func value<V: StringRepresentedValue>(_ name: String) throws -> V {
        try V(validating: string(name))
    }

    func choice<C: RawRepresentable<String>>(_ name: String) throws -> C {
        guard let choice = C(rawValue: try string(name)) else { throw StoredStatementError(field: name) }
        return choice
    }

    func list(_ name: String) throws -> [StoredFields] {
        guard case .array(let elements)? = members[name] else { throw StoredStatementError(field: name) }
        return try elements.map(StoredFields.init)
    }
}

/// A staged or stored statement that is not in the form this service writes.
struct StoredStatementError: Error, CustomStringConvertible {
    let field: String
    var description: String { "A stored statement's \(field) cannot be read." }
}
