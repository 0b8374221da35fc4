import Foundation
import ServiceKit

extension LinesService {
    /// The audit of lines' options is kept for `--audit-retention-days`.
    public static func retentionRules(auditRetention: TimeInterval) -> [RetentionRule] {
        [RetentionRule("line audit rows", sqlite: ("line_audit", "at < ?1"), postgres: ("line_audit", "at < $1"), keep: auditRetention)]
    }
}
