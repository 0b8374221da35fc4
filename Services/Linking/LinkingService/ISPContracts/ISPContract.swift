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

    /// The phone on file with all but its last four digits hidden.
    var maskedPhone: String {
        String(repeating: "*", count: phoneNumber.count - 4) + phoneNumber.suffix(4)
    }
}
