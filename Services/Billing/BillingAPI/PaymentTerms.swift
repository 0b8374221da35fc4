import JSONRPC

/// How a statement is paid.
public enum PaymentMethod: String, Codable, Sendable, Hashable, CaseIterable, JSONSchemaDescribing {
    case creditCard = "credit_card"
    /// 口座振替: direct debit from a bank account.
    case bankAccount = "bank_account"
    /// 払込用紙: a slip paid at a bank or convenience store.
    case paymentSlip = "payment_slip"

    /// As printed on a Japanese statement.
    public var label: String {
        switch self {
        case .creditCard: "クレジットカード"
        case .bankAccount: "口座振替"
        case .paymentSlip: "払込用紙"
        }
    }
}

/// Where a statement's payment stands, as the rating system last reported it.
public enum PaymentStatus: String, Codable, Sendable, Hashable, CaseIterable, JSONSchemaDescribing {
    case unpaid
    case paid
    case overdue

    /// As printed on a Japanese statement.
    public var label: String {
        switch self {
        case .unpaid: "未払い"
        case .paid: "お支払い済み"
        case .overdue: "お支払い期限超過"
        }
    }
}
