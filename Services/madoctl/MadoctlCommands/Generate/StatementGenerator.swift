import Foundation
import MadoguchiModels

/// Writes one month's statements for a range of customers: a plan's base fee, metered
/// calls, a data option, device instalments, discounts, the universal service fee, now and
/// then a reduced-rate (8 %) or non-taxable item — 3 to 8 items, like a real carrier's.
///
/// The JSON is assembled by hand: every text is a constant needing no escaping, and a
/// million lines a month would take minutes through `JSONEncoder`.
struct StatementGenerator {
    let month: BillingMonth
    /// The day the data set is as of: a statement is paid once its due date has passed,
    /// and unpaid before (a statement not yet issued is not paid).
    let asOf: CivilDate
    /// A real corporate number (NTT Docomo's), so that its check digit is a real one.
    static let issuer = "T1010001067912"

    static let plans: [(code: String, name: String, fee: Int)] = [
        ("P100", "基本料金（ギガライト）", 3_465), ("P200", "基本料金（ギガホ）", 7_315),
        ("P300", "基本料金（かけ放題プラン）", 2_970), ("P400", "基本料金（データ専用）", 1_650),
    ]
    static let options: [(code: String, name: String, fee: Int)] = [
        ("O101", "留守番電話サービス", 330), ("O102", "キャッチホン", 220), ("O201", "データ量追加（1GB）", 1_100),
        ("O301", "端末補償サービス", 825),
    ]
    static let paymentMethods = ["credit_card", "bank_account", "payment_slip"]

    func write(customers: ClosedRange<Int>, to path: String) throws {
        var file = try JSONLinesWriter(path: path)
        for customer in customers { file.append(line(customer: customer)) }
        try file.close()
    }

    /// One customer's statement: the same customer and month always give the same one.
    func line(customer: Int) -> String {
        var random = SplitMix64(seed: UInt64(customer) &* 1_000_003 &+ UInt64(month.year * 12 + month.month))
        let plan = Self.plans[Int(random.next() % UInt64(Self.plans.count))]
        var items = [item("B001", plan.name, 1, plan.fee, "standard")]
        let minutes = Int(random.next() % 120)
        if minutes > 0, plan.code != "P300" { items.append(item("C101", "国内通話料", minutes * 2, 22, "standard")) }
        let option = Self.options[Int(random.next() % UInt64(Self.options.count))]
        items.append(item(option.code, option.name, 1, option.fee, "standard"))
        if random.next() % 3 == 0 { items.append(item("D101", "端末代金 分割支払金", 1, 2_000 + Int(random.next() % 3_000), "standard")) }
        if random.next() % 4 == 0 { items.append(item("W101", "家族割引", 1, -1_100, "standard")) }
        items.append(item("U101", "ユニバーサルサービス料", 1, 2, "standard"))
        if random.next() % 10 == 0 { items.append(item("M101", "電子新聞購読料", 1, 1_019, "reduced")) }
        if random.next() % 5 == 0 { items.append(item("S101", "払込手数料", 1, 110, "exempt")) }
        let method = Self.paymentMethods[customer % Self.paymentMethods.count]
        let month = self.month.description
        let due = "\(month)-26"
        let status = asOf.description >= due ? "paid" : "unpaid"
        return #"{"customerNumber":"\#(customer)","month":"\#(month)","issueDate":"\#(month)-05","dueDate":"\#(due)","paymentMethod":"\#(method)","paymentStatus":"\#(status)","issuerRegistrationNumber":"\#(Self.issuer)","items":[\#(items.joined(separator: ","))]}"#
    }

    private func item(_ code: String, _ description: String, _ quantity: Int, _ unitPrice: Int, _ tax: String) -> String {
        #"{"code":"\#(code)","description":"\#(description)","quantity":\#(quantity),"unitPrice":\#(unitPrice),"amount":\#(quantity * unitPrice),"taxCategory":"\#(tax)"}"#
    }
}

/// A small, fast, seedable generator (SplitMix64): reproducible data sets without
/// storing them.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
