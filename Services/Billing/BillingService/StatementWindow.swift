import BillingAPI
import Foundation
import MadoguchiModels

/// The months a customer sees: the 15 calendar months up to and including the current
/// one in Japan time, never before July 2020, when statements begin.
struct StatementWindow: Sendable, Hashable {
    /// How many months are shown.
    static let months = 15

    let from: BillingMonth
    let to: BillingMonth

    init(now: Date) {
        to = BillingMonth(containing: now)
        from = max(to.advanced(by: -(Self.months - 1)), BillingMonth.earliestStatement)
    }

    /// Every month of the window, oldest first.
    var months: [BillingMonth] {
        var months = [from]
        while let last = months.last, last < to { months.append(last.advanced(by: 1)) }
        return months
    }

    /// Refuses a month the customer may not ask for, saying which limit applies.
    func check(_ month: BillingMonth) throws(BillingError) {
        if month < BillingMonth.earliestStatement { throw .beforeFirstStatement(month: month) }
        if month < from || month > to { throw .outsideWindow(month: month, from: from, to: to) }
    }
}

extension BillingMonth {
    /// The month's key in the database: `year × 100 + month`.
    var storageKey: Int { year * 100 + month }

    init(storageKey: Int) throws {
        try self.init(year: storageKey / 100, month: storageKey % 100)
    }
}
