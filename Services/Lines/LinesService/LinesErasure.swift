import Foundation
import ServiceKit

extension LinesService {
    /// What lines removes of a former customer: their lines with blocked numbers,
    /// voicemail and its messages, forwarding and the last caller. The audit of line
    /// settings is kept until `--audit-retention-days` purges it.
    public func erasureRules(for subject: ErasureSubject) -> [ErasureRule] {
        let customer = ErasureValue.text(subject.customerNumber)
        let ofTheCustomer = "phoneNumber IN (SELECT phoneNumber FROM line WHERE customerNumber = ?1)"
        let postgresOfTheCustomer = "phone_number IN (SELECT phone_number FROM {schema}.line WHERE customer_number = $1)"
        let children = [
            ("blocked numbers", "blocked_number"), ("voicemail messages", "voicemail_message"), ("voicemail settings", "voicemail"),
            ("forwarding", "forwarding"), ("last callers", "last_caller"),
        ]
        return [
            ErasureRule(
                "line audit rows", sqlite: ("line_audit", "phoneNumber IN (SELECT value FROM json_each(?1)) OR \(ofTheCustomer.replacingOccurrences(of: "?1", with: "?2"))"),
                postgres: ("line_audit", "phone_number = ANY($1) OR \(postgresOfTheCustomer.replacingOccurrences(of: "$1", with: "$2"))"),
                values: [.list(subject.phoneNumbers), customer],
                action: .keep(why: "the audit of line settings is kept for --audit-retention-days, then purged"))
        ]
            + children.map { what, table in
                ErasureRule(what, sqlite: (table, ofTheCustomer), postgres: (table, postgresOfTheCustomer), values: [customer])
            }
            + [ErasureRule("lines", sqlite: ("line", "customerNumber = ?1"), postgres: ("line", "customer_number = $1"), values: [customer])]
    }
}
