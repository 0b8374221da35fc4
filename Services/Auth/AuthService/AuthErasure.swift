import AuthAPI
import Foundation
import ServiceKit

extension AuthService {
    /// What auth removes of a former customer: the PINs of their lines, their passwords
    /// (My Page and carrier ID logins), their sessions. The security audit naming them is
    /// kept until `--audit-retention-days` purges it.
    public func erasureRules(for subject: ErasureSubject) -> [ErasureRule] {
        let customer = ErasureValue.text(subject.customerNumber)
        let lines = ErasureValue.list(subject.phoneNumbers.map { "line:" + $0 })
        let logins = ErasureValue.list(subject.loginIDs)
        let principals = ErasureValue.list(
            subject.phoneNumbers.map { "line:" + $0 } + subject.loginIDs.map { PasswordRealm.login.prefix + $0 })
        let inList = "IN (SELECT value FROM json_each(?1))"
        return [
            ErasureRule(
                "security audit rows", sqlite: ("audit", "subject \(inList)"), postgres: ("audit", "subject = ANY($1)"),
                values: [principals], action: .keep(why: "the security audit is kept for --audit-retention-days, then purged")),
            ErasureRule("PINs", sqlite: ("pin", "subject \(inList)"), postgres: ("pin", "subject = ANY($1)"), values: [lines]),
            ErasureRule(
                "passwords", sqlite: ("password", "(realm = 'login' AND loginID IN (SELECT value FROM json_each(?1))) OR customerNumber = ?2"),
                postgres: ("password", "(realm = 'login' AND login_id = ANY($1)) OR customer_number = $2"), values: [logins, customer]),
            ErasureRule(
                "sessions", sqlite: ("session", "principal IN (SELECT value FROM json_each(?1)) OR customerNumber = ?2"),
                postgres: ("session", "principal = ANY($1) OR customer_number = $2"), values: [principals, customer]),
        ]
    }
}
