import AuthAPI
import Foundation
import ServiceKit

extension AuthService {
    /// What auth removes of a former customer: the PINs of their lines and of their
    /// applications for those numbers (`application:<reception>:<phone>`, which keep the
    /// holder's birth date), their passwords (My Page and carrier ID logins), their
    /// sessions. The security audit naming them is kept until `--audit-retention-days`
    /// purges it.
    public func erasureRules(for subject: ErasureSubject) -> [ErasureRule] {
        let customer = ErasureValue.text(subject.customerNumber)
        let lines = ErasureValue.list(subject.phoneNumbers.map { "line:" + $0 })
        let logins = ErasureValue.list(subject.loginIDs)
        let principals = ErasureValue.list(
            subject.phoneNumbers.map { "line:" + $0 } + subject.loginIDs.map { PasswordRealm.login.prefix + $0 })
        let inList = "IN (SELECT value FROM json_each(?1))"
        // An application's subject ends with the phone number it was made for.
        let applications = ErasureValue.list(subject.phoneNumbers.map { "application:%:" + $0 })
        let sqliteSubject = "subject \(inList) OR EXISTS (SELECT 1 FROM json_each(?2) WHERE subject LIKE value)"
        let postgresSubject = "subject = ANY($1) OR subject LIKE ANY($2)"
        return [
            ErasureRule(
                "security audit rows", sqlite: ("audit", sqliteSubject), postgres: ("audit", postgresSubject),
                values: [principals, applications], action: .keep(why: "the security audit is kept for --audit-retention-days, then purged")),
            ErasureRule("PINs", sqlite: ("pin", sqliteSubject), postgres: ("pin", postgresSubject), values: [lines, applications]),
            ErasureRule(
                "passwords", sqlite: ("password", "(realm = 'login' AND loginID IN (SELECT value FROM json_each(?1))) OR customerNumber = ?2"),
                postgres: ("password", "(realm = 'login' AND login_id = ANY($1)) OR customer_number = $2"), values: [logins, customer]),
            ErasureRule(
                "sessions",
                sqlite: ("session", "principal \(inList) OR EXISTS (SELECT 1 FROM json_each(?2) WHERE principal LIKE value) OR customerNumber = ?3"),
                postgres: ("session", "principal = ANY($1) OR principal LIKE ANY($2) OR customer_number = $3"),
                values: [principals, applications, customer]),
        ]
    }
}
