import Foundation
import MadoguchiModels
import ServiceKit

extension BillingService {
    /// What billing removes of a former customer: statements past their legal retention
    /// (`--statement-retention-years`, 7: a qualified invoice's copy is kept seven years);
    /// the later ones are kept, and say until when.
    public func erasureRules(for subject: ErasureSubject) -> [ErasureRule] {
        let first = BillingMonth(containing: subject.now).advanced(by: -12 * statementRetentionYears)
        let kept = ErasureValue.integer(first.year * 100 + first.month)
        let customer = ErasureValue.text(subject.customerNumber)
        return [
            ErasureRule(
                "statements before \(first)", sqlite: ("statement", "customerNumber = ?1 AND month < ?2"),
                postgres: ("statement", "customer_number = $1 AND month < $2"), values: [customer, kept]),
            ErasureRule(
                "statements from \(first)", sqlite: ("statement", "customerNumber = ?1 AND month >= ?2"),
                postgres: ("statement", "customer_number = $1 AND month >= $2"), values: [customer, kept],
                action: .keep(
                    why: "copies of issued invoices are kept \(statementRetentionYears) years after their month; erase again once they have passed")),
        ]
    }
}
