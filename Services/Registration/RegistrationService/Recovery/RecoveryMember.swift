import GRDB
import MadoguchiModels

/// An active My Page member as recovery finds them: by (e-mail + name) or (ICCID + phone
/// number) with the birth date when asked, by account key when a queued letter leaves.
struct RecoveryMember {
    var accountKey: String
    var accountId: String
    var email: String
    var name: String
    /// `〒100-0001 <address>` when the contract has an address.
    var postalAddress: String?

    private static let columns = "a.accountKey, a.accountId, a.email, c.name, c.postalCode, c.address"

    static func find(email: EmailAddress, name: PersonName, birthDate: CivilDate, in db: Database) throws -> RecoveryMember? {
        try Row.fetchOne(
            db,
            sql: """
                SELECT \(columns) FROM account a JOIN contract c USING (customerNumber)
                WHERE a.state = 'active' AND c.birthDate = ? AND (lower(a.email) = ? OR c.email = ?) AND (c.name = ? OR c.kana = ?)
                LIMIT 1
                """,
            arguments: [
                birthDate.description, email.value.lowercased(), email.value.lowercased(), name.value,
                (try? KanaName(validating: name.value))?.value ?? name.value,
            ]
        ).map(Self.init)
    }

    static func find(iccid: ICCID, phone: PhoneNumber, birthDate: CivilDate, in db: Database) throws -> RecoveryMember? {
        try Row.fetchOne(
            db,
            sql: """
                SELECT \(columns) FROM contract_sim s
                JOIN contract c USING (customerNumber) JOIN contract_phone p USING (customerNumber)
                JOIN account a USING (customerNumber)
                WHERE s.iccid = ? AND p.digits = ? AND c.birthDate = ? AND a.state = 'active' LIMIT 1
                """,
            arguments: [iccid.digits, phone.digits, birthDate.description]
        ).map(Self.init)
    }

    static func find(accountKey: String, in db: Database) throws -> RecoveryMember? {
        try Row.fetchOne(
            db,
            sql: """
                SELECT \(columns) FROM account a JOIN contract c USING (customerNumber)
                WHERE a.accountKey = ? AND a.state = 'active'
                """,
            arguments: [accountKey]
        ).map(Self.init)
    }

    private init(_ row: Row) {
        let postalCode: String? = row["postalCode"]
        let address: String? = row["address"]
        accountKey = row["accountKey"]
        accountId = row["accountId"]
        email = row["email"]
        name = row["name"]
        postalAddress = address.map { address in
            postalCode.map { "〒\($0.prefix(3))-\($0.dropFirst(3)) " }.map { $0 + address } ?? address
        }
    }
}
