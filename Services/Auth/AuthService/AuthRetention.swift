import Foundation
import ServiceKit

extension AuthService {
    /// What auth keeps only for so long: sessions a day after they expired or were
    /// closed, one-time codes a day after they expired (used or not), the security audit
    /// for `--audit-retention-days`. PINs and passwords are kept while their subjects are.
    public static func retentionRules(auditRetention: TimeInterval) -> [RetentionRule] {
        [
            RetentionRule(
                "ended sessions", sqlite: ("session", "expiresAt < ?1 OR closedAt < ?1"),
                postgres: ("session", "expires_at < $1 OR closed_at < $1"), keep: 86400),
            RetentionRule(
                "expired one-time codes", sqlite: ("oneTimeCode", "expiresAt < ?1"), postgres: ("one_time_code", "expires_at < $1"),
                keep: 86400),
            RetentionRule("security audit rows", sqlite: ("audit", "at < ?1"), postgres: ("audit", "at < $1"), keep: auditRetention),
        ]
    }
}
