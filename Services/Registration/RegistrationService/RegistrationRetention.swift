import Foundation
import ServiceKit

extension RegistrationService {
    /// Recovery links go a day after they expired (used or not): nothing reads them after,
    /// and each holds a hash under the key that made it (`service.keys`).
    public static func retentionRules(auditRetention: TimeInterval) -> [RetentionRule] {
        [
            RetentionRule(
                "expired recovery links", sqlite: ("recovery_link", "expiresAt < ?1"), postgres: ("recovery_link", "expires_at < $1"),
                keep: 86400)
        ]
    }
}
