import BillingAPI
import MadoguchiModels

/// A statement's sums: the items of each rate added up, the consumption tax computed once
/// per rate on that sum (the qualified-invoice rule, never item by item), and the total.
struct StatementTotals: Sendable, Hashable {
    /// One line per rate that has items, in the order standard, reduced, exempt.
    let taxes: [TaxLine]
    let subtotal: Yen
    let tax: Yen
    let total: Yen

    init(items: [StatementItem], rounding: TaxRounding) {
        var taxes: [TaxLine] = []
        for category in TaxCategory.allCases {
            let ofRate = items.filter { $0.taxCategory == category }
            guard !ofRate.isEmpty else { continue }
            let subtotal = ofRate.reduce(Yen.zero) { $0 + $1.amount }
            let tax = Yen(rounding.tax(on: subtotal.amount, percent: category.ratePercent))
            taxes.append(TaxLine(taxCategory: category, subtotal: subtotal, tax: tax))
        }
        self.taxes = taxes
        subtotal = taxes.reduce(.zero) { $0 + $1.subtotal }
        tax = taxes.reduce(.zero) { $0 + $1.tax }
        total = subtotal + tax
    }
}
