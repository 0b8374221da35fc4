import GRDB

/// An imported ISP contract (and a row of its import).
struct ISPContract: Codable, Hashable, FetchableRecord, Sendable {
    static let databaseTableName = "isp_contract"

    var customerNumber: String
    var description: String
    var email: String
    var phoneNumber: String
    var phoneKind: ISPPhoneKind
    var holderName: String

    static func find(_ customerNumber: String, in db: Database) throws -> ISPContract? {
        try fetchOne(db, sql: "SELECT * FROM isp_contract WHERE customerNumber = ?", arguments: [customerNumber])
    }

    static func find(email: String, in db: Database) throws -> ISPContract? {
        try fetchOne(db, sql: "SELECT * FROM isp_contract WHERE email = ?", arguments: [email.lowercased()])
    }

    /// The phone on file with all but its last four digits hidden.
    var maskedPhone: String {
        String(repeating: "*", count: phoneNumber.count - 4) + phoneNumber.suffix(4)
    }
}
