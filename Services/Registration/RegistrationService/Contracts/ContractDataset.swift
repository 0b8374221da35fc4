import Foundation
import GRDB
import JSONRPC
import MadoguchiModels
import RegistrationAPI
import ServiceKit

/// Contract records as the operator imports them, keyed by customer number.
struct ContractDataset: ImportDataset {
    typealias Kind = ContractRecords

    struct Row: Sendable, Hashable, Codable {
        var customerNumber: String
        var name: String
        var kana: String
        var birthDate: String
        var phoneNumbers: [String]
        var email: String?
        var postalCode: String?
        var address: String?
        var iccids: [String]
        var services: [String]
    }

    func parse(_ fields: ImportFields) throws -> Row {
        let phones: [PhoneNumber] = try fields.values("phoneNumbers")
        guard !phones.isEmpty else {
            throw ImportRowProblem(field: "phoneNumbers", reason: "missing_field", message: "At least one phone number is required.")
        }
        let postalCode = try fields.optionalText("postalCode").map { text in
            let digits = HalfWidth.normalize(text).filter { $0 != "-" && $0 != "〒" }
            guard digits.count == 7, digits.allSatisfy(\.isASCII), digits.allSatisfy(\.isNumber) else {
                throw ImportRowProblem(field: "postalCode", reason: "invalid_postal_code", message: "A postal code has 7 digits.")
            }
            return String(digits)
        }
        try fields.refuseUnknown(
            ["customerNumber", "name", "kana", "birthDate", "phoneNumbers", "email", "postalCode", "address", "iccids", "services"],
            kind: "a contract")
        return Row(
            customerNumber: try fields.value("customerNumber", as: CustomerNumber.self).digits,
            name: try fields.value("name", as: PersonName.self).value,
            kana: try fields.value("kana", as: KanaName.self).value,
            birthDate: try fields.value("birthDate", as: CivilDate.self).description,
            phoneNumbers: Array(Set(phones.map(\.digits))).sorted(),
            email: try fields.optionalValue("email", as: EmailAddress.self)?.value,
            postalCode: postalCode, address: fields.optionalText("address"),
            iccids: Array(Set(try fields.values("iccids", as: ICCID.self).map(\.digits))).sorted(),
            services: fields.list("services"))
    }

    func key(of row: Row) -> String { row.customerNumber }

    func apply(staged encoded: Data, in db: Database) throws -> ImportOutcome {
        let row = try row(staged: encoded)
        let fingerprint = String(decoding: encoded, as: UTF8.self)
        let existing = try String.fetchOne(
            db, sql: "SELECT fingerprint FROM contract WHERE customerNumber = ?", arguments: [row.customerNumber])
        if existing == fingerprint { return .unchanged }
        let services = String(decoding: try JSONCoding.encoder.encode(row.services), as: UTF8.self)
        try db.execute(
            sql: """
                INSERT INTO contract (customerNumber, name, kana, birthDate, email, postalCode, address, services, fingerprint)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (customerNumber) DO UPDATE SET name = excluded.name, kana = excluded.kana,
                  birthDate = excluded.birthDate, email = excluded.email, postalCode = excluded.postalCode,
                  address = excluded.address, services = excluded.services, fingerprint = excluded.fingerprint
                """,
            arguments: [
                row.customerNumber, row.name, row.kana, row.birthDate, row.email?.lowercased(), row.postalCode,
                row.address, services, fingerprint,
            ])
        try db.execute(sql: "DELETE FROM contract_phone WHERE customerNumber = ?", arguments: [row.customerNumber])
        try db.execute(sql: "DELETE FROM contract_sim WHERE customerNumber = ?", arguments: [row.customerNumber])
        for digits in row.phoneNumbers {
            try db.execute(sql: "INSERT INTO contract_phone (customerNumber, digits) VALUES (?, ?)", arguments: [row.customerNumber, digits])
        }
        for iccid in row.iccids {
            // A SIM moves to the contract that now holds it.
            try db.execute(
                sql: "INSERT INTO contract_sim (iccid, customerNumber) VALUES (?, ?) ON CONFLICT (iccid) DO UPDATE SET customerNumber = excluded.customerNumber",
                arguments: [iccid, row.customerNumber])
        }
        return existing == nil ? .inserted : .updated
    }
}
