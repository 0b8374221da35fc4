import Foundation
import GRDB
import MadoguchiModels
import JSONRPC
import RegistrationAPI

/// Reading the contract records.
enum ContractBook {
    /// Whether the three sign-up details name one contract.
    static func matches(customerNumber: String, phone: String, kana: String, in db: Database) throws -> Bool {
        try Bool.fetchOne(
            db,
            sql: """
                SELECT 1 FROM contract JOIN contract_phone USING (customerNumber)
                WHERE customerNumber = ? AND digits = ? AND kana = ?
                """,
            arguments: [customerNumber, phone, kana]) == true
    }

    /// The contract of `customerNumber`, for operators.
    static func summary(of customerNumber: String, in db: Database) throws -> ContractSummary? {
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM contract WHERE customerNumber = ?", arguments: [customerNumber])
        else { return nil }
        let phones = try String.fetchAll(
            db, sql: "SELECT digits FROM contract_phone WHERE customerNumber = ? ORDER BY digits", arguments: [customerNumber])
        let sims = try String.fetchAll(
            db, sql: "SELECT iccid FROM contract_sim WHERE customerNumber = ? ORDER BY iccid", arguments: [customerNumber])
        let account = try String.fetchOne(
            db, sql: "SELECT accountId FROM account WHERE customerNumber = ? AND state = 'active'", arguments: [customerNumber])
        let services = (try? JSONCoding.decoder.decode([String].self, from: Data((row["services"] as String).utf8))) ?? []
        return ContractSummary(
            customerNumber: row["customerNumber"], name: row["name"], kana: row["kana"], birthDate: row["birthDate"],
            phoneNumbers: phones, email: row["email"], postalCode: row["postalCode"], address: row["address"],
            iccids: sims, services: services, myPageAccountId: account)
    }
}
