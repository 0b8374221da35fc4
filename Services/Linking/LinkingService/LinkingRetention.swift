import Foundation
import ServiceKit

extension LinkingService {
    /// The audit of links and unlinks is kept for `--audit-retention-days`; expired link
    /// journeys go as the next one starts.
    public static func retentionRules(auditRetention: TimeInterval) -> [RetentionRule] {
        [RetentionRule("link audit rows", sqlite: ("link_audit", "at < ?1"), postgres: ("link_audit", "at < $1"), keep: auditRetention)]
    }
}
