import JSONRPC
import MadoguchiModels
import ServiceKit

/// One line of a statement. `amount` is `quantity × unitPrice`, before consumption tax.
public struct StatementItem: Codable, Sendable, Hashable, JSONSchemaDescribing {
    public var code: String
    public var description: String
    public var quantity: Int64
    public var unitPrice: Yen
    public var amount: Yen
    public var taxCategory: TaxCategory

    public init(code: String, description: String, quantity: Int64, unitPrice: Yen, amount: Yen, taxCategory: TaxCategory) {
        self.code = code
        self.description = description
        self.quantity = quantity
        self.unitPrice = unitPrice
        self.amount = amount
        self.taxCategory = taxCategory
    }

    public static var jsonSchema: JSONSchema {
        .object(
            [
                "code": .string(), "description": .string(), "quantity": .integer(minimum: 0),
                "unitPrice": Yen.jsonSchema, "amount": Yen.jsonSchema, "taxCategory": TaxCategory.jsonSchema,
            ],
            required: ["code", "description", "quantity", "unitPrice", "amount", "taxCategory"])
    }
}

/// The items of one tax rate, summed, and their consumption tax (computed once per
/// rate, the qualified-invoice rule).
public struct TaxLine: Codable, Sendable, Hashable, JSONSchemaDescribing {
    public var taxCategory: TaxCategory
    public var ratePercent: Int64
    public var subtotal: Yen
    public var tax: Yen

    public init(taxCategory: TaxCategory, subtotal: Yen, tax: Yen) {
        self.taxCategory = taxCategory
        self.ratePercent = taxCategory.ratePercent
        self.subtotal = subtotal
        self.tax = tax
    }

    public static var jsonSchema: JSONSchema {
        .object(
            [
                "taxCategory": TaxCategory.jsonSchema, "ratePercent": .integer(minimum: 0),
                "subtotal": Yen.jsonSchema, "tax": Yen.jsonSchema,
            ],
            required: ["taxCategory", "ratePercent", "subtotal", "tax"])
    }
}

/// A statement in full: its items, the subtotal and tax per rate, and the total
/// (the subtotals plus the taxes). A qualified invoice: it names the issuer's
/// registration number.
public struct MonthlyStatement: Codable, Sendable, Hashable, JSONSchemaDescribing {
    public var customerNumber: String
    public var month: BillingMonth
    public var issueDate: CivilDate
    public var dueDate: CivilDate
    public var paymentMethod: PaymentMethod
    public var paymentStatus: PaymentStatus
    public var issuerRegistrationNumber: String
    public var items: [StatementItem]
    public var taxes: [TaxLine]
    /// How each rate's tax was rounded when the statement was imported.
    public var taxRounding: TaxRounding
    /// The sum of the items, before tax.
    public var subtotal: Yen
    /// The sum of the taxes of each rate.
    public var tax: Yen
    public var total: Yen

    public init(
        customerNumber: String, month: BillingMonth, issueDate: CivilDate, dueDate: CivilDate,
        paymentMethod: PaymentMethod, paymentStatus: PaymentStatus, issuerRegistrationNumber: String,
        items: [StatementItem], taxes: [TaxLine], taxRounding: TaxRounding, subtotal: Yen, tax: Yen, total: Yen
    ) {
        self.customerNumber = customerNumber
        self.month = month
        self.issueDate = issueDate
        self.dueDate = dueDate
        self.paymentMethod = paymentMethod
        self.paymentStatus = paymentStatus
        self.issuerRegistrationNumber = issuerRegistrationNumber
        self.items = items
        self.taxes = taxes
        self.taxRounding = taxRounding
        self.subtotal = subtotal
        self.tax = tax
        self.total = total
    }

    public static var jsonSchema: JSONSchema {
        .object(
            [
                "customerNumber": .string(), "month": BillingMonth.jsonSchema, "issueDate": CivilDate.jsonSchema,
                "dueDate": CivilDate.jsonSchema, "paymentMethod": PaymentMethod.jsonSchema,
                "paymentStatus": PaymentStatus.jsonSchema, "issuerRegistrationNumber": .string(pattern: "^T[0-9]{13}$"),
                "items": .array(of: StatementItem.jsonSchema), "taxes": .array(of: TaxLine.jsonSchema),
                "taxRounding": TaxRounding.jsonSchema, "subtotal": Yen.jsonSchema, "tax": Yen.jsonSchema,
                "total": Yen.jsonSchema,
            ],
            required: [
                "customerNumber", "month", "issueDate", "dueDate", "paymentMethod", "paymentStatus",
                "issuerRegistrationNumber", "items", "taxes", "taxRounding", "subtotal", "tax", "total",
            ])
    }
}

/// One month in the statement list.
public struct StatementSummary: Codable, Sendable, Hashable, JSONSchemaDescribing {
    public var month: BillingMonth
    public var total: Yen
    public var tax: Yen
    public var issueDate: CivilDate
    public var dueDate: CivilDate
    public var paymentMethod: PaymentMethod
    public var paymentStatus: PaymentStatus

    public init(
        month: BillingMonth, total: Yen, tax: Yen, issueDate: CivilDate, dueDate: CivilDate,
        paymentMethod: PaymentMethod, paymentStatus: PaymentStatus
    ) {
        self.month = month
        self.total = total
        self.tax = tax
        self.issueDate = issueDate
        self.dueDate = dueDate
        self.paymentMethod = paymentMethod
        self.paymentStatus = paymentStatus
    }

    public static var jsonSchema: JSONSchema {
        .object(
            [
                "month": BillingMonth.jsonSchema, "total": Yen.jsonSchema, "tax": Yen.jsonSchema,
                "issueDate": CivilDate.jsonSchema, "dueDate": CivilDate.jsonSchema,
                "paymentMethod": PaymentMethod.jsonSchema, "paymentStatus": PaymentStatus.jsonSchema,
            ],
            required: ["month", "total", "tax", "issueDate", "dueDate", "paymentMethod", "paymentStatus"])
    }
}
