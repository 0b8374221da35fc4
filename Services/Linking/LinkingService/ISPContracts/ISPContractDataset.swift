import Foundation
import GRDB
import LinkingAPI
import MadoguchiModels
import ServiceKit

/// ISP contracts as the operator imports them, keyed by ISP customer number. No row holds
/// a password: staged rows wait in clear until the commit, so passwords go to
/// madoguchi-auth through `ispContracts.setPassword` instead.
struct ISPContractDataset: ImportDataset {
    typealias Kind = ISPContractRecords

    /// A row is the contract as stored.
    typealias Row = ISPContract

    func parse(_ fields: ImportFields) throws -> Row {
        try fields.refuseUnknown(
            ["customerNumber", "description", "email", "phoneNumber", "phoneKind", "holderName"], kind: "an ISP contract")
        let phone = try fields.value("phoneNumber", as: PhoneNumber.self)
        let kindText = try fields.text("phoneKind")
        guard let kind = ISPPhoneKind(rawValue: kindText.lowercased()) else {
            throw ImportRowProblem(field: "phoneKind", reason: "invalid_phone_kind", message: "phoneKind is mobile or landline.")
        }
        // The ISP's word decides the channel, but a number that cannot take an SMS is
        // never recorded as mobile.
        if kind == .mobile, phone.kind != .mobile {
            throw ImportRowProblem(
                field: "phoneKind", reason: "phone_kind_mismatch",
                message: "\(phone.digits) is not a mobile number (070/080/090/060); record it as landline.")
        }
        let description = try fields.text("description")
        guard description.count <= 200 else {
            throw ImportRowProblem(field: "description", reason: "too_long", message: "description has at most 200 characters.")
        }
        return Row(
            customerNumber: try fields.value("customerNumber", as: ISPCustomerNumber.self).value, description: description,
            email: try fields.value("email", as: EmailAddress.self).value.lowercased(), phoneNumber: phone.digits,
            phoneKind: kind, holderName: try fields.value("holderName", as: PersonName.self).value)
    }

    func key(of row: Row) -> String { row.customerNumber }

    func apply(staged encoded: Data, in db: Database) throws -> ImportOutcome {
        let row = try row(staged: encoded)
        let fingerprint = String(decoding: encoded, as: UTF8.self)
        let stored = try String.fetchOne(
            db, sql: "SELECT fingerprint FROM isp_contract WHERE customerNumber = ?", arguments: [row.customerNumber])
        let holder = try String.fetchOne(
            db, sql: "SELECT customerNumber FROM isp_contract WHERE email = ? AND customerNumber <> ?",
            arguments: [row.email, row.customerNumber])
        let outcome = try ClaimedValues.outcome(key: row.customerNumber, fingerprint: fingerprint, stored: stored, holder: holder) {
            Self.addressTaken(row, holder: $0)
        }.get()
        guard outcome != .unchanged else { return outcome }
        try db.execute(
            sql: """
                INSERT INTO isp_contract (customerNumber, description, email, phoneNumber, phoneKind, holderName, fingerprint)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (customerNumber) DO UPDATE SET description = excluded.description, email = excluded.email,
                  phoneNumber = excluded.phoneNumber, phoneKind = excluded.phoneKind, holderName = excluded.holderName,
                  fingerprint = excluded.fingerprint
                """,
            arguments: [
                row.customerNumber, row.description, row.email, row.phoneNumber, row.phoneKind.rawValue, row.holderName,
                fingerprint,
            ])
        return outcome
    }

    /// One ISP address names one contract (`ClaimedValues`): the journey finds the
    /// contract by it.
    static func addressTaken(_ row: Row, holder: String) -> ImportRowProblem {
        ImportRowProblem(field: "email", reason: "email_taken", message: "\(row.email) is the ISP address of \(holder) already.")
    }
}

/// What the ISP says its phone on file is.
enum ISPPhoneKind: String, Codable, Sendable, DatabaseValueConvertible {
    case mobile, landline

    /// The channels the 2-step code can take to it.
    var channels: [PhoneChannel] { self == .mobile ? [.sms, .voice] : [.voice] }
}
