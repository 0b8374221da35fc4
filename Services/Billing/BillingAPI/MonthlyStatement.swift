import JSONRPC
import MadoguchiModels
import ServiceContract

/// One line of a statement. `amount` is `quantity × unitPrice`, before consumption tax.
@WireObject
public struct StatementItem: Codable, Sendable, Hashable {
    public var code: String
    public var description: String
    @WireSchema(.integer(minimum: 0))
    public var quantity: Int64
    public var unitPrice: Yen
    public var amount: Yen
    public var taxCategory: TaxCategory
}

/// The items of one tax rate, summed, and their consumption tax (computed once per
/// rate, the qualified-invoice rule).
@WireObject(memberwise: false)
public struct TaxLine: Codable, Sendable, Hashable {
    public var taxCategory: TaxCategory
    @WireSchema(.integer(minimum: 0))
    public var ratePercent: Int64
    public var subtotal: Yen
    public var tax: Yen

    public init(taxCategory: TaxCategory, subtotal: Yen, tax: Yen) {
        self.taxCategory = taxCategory
        self.ratePercent = taxCategory.ratePercent
        self.subtotal = subtotal
        self.tax = tax
    }
}

/// A statement in full: its items, the subtotal and tax per rate, and the total
/// (the subtotals plus the taxes). A qualified invoice: it names the issuer's
/// registration number.
@WireObject
public struct MonthlyStatement: Codable, Sendable, Hashable {
    public var customerNumber: String
    public var month: BillingMonth
    public var issueDate: CivilDate
    public var dueDate: CivilDate
    public var paymentMethod: PaymentMethod
    public var paymentStatus: PaymentStatus
    @WireSchema(.string(pattern: "^T[0-9]{13}$"))
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
}

/// One month in the statement list.
@WireObject
public struct StatementSummary: Codable, Sendable, Hashable {
    public var month: BillingMonth
    public var total: Yen
    public var tax: Yen
    public var issueDate: CivilDate
    public var dueDate: CivilDate
    public var paymentMethod: PaymentMethod
    public var paymentStatus: PaymentStatus
}
