import Foundation
import GRDB
import LinesAPI
import MadoguchiModels
import ServiceKit

/// The line inventory as the operator imports it, keyed by phone number: which numbers
/// are voice lines and which data-only SIMs.
struct LineDataset: ImportDataset {
    typealias Kind = LineRecords

    struct Row: Codable, Sendable, Hashable {
        var phoneNumber: String
        var customerNumber: String
        var iccid: String
        var kind: LineKind
    }

    func parse(_ fields: ImportFields) throws -> Row {
        try fields.refuseUnknown(["phoneNumber", "customerNumber", "iccid", "kind"], kind: "a line")
        let phone = try fields.value("phoneNumber", as: PhoneNumber.self)
        // A SIM's number is a mobile one (070/080/090/060, or 020 for data-only M2M,
        // which PhoneNumber does not take): a landline or IP number is no SIM.
        guard phone.kind == .mobile || phone.kind == .machineToMachine else {
            throw ImportRowProblem(
                field: "phoneNumber", reason: "not_mobile", message: "The number is not a mobile (060/070/080/090) or M2M (020) one.")
        }
        let kindText = try fields.text("kind")
        guard let kind = LineKind(rawValue: kindText.lowercased()) else {
            throw ImportRowProblem(field: "kind", reason: "invalid_kind", message: "kind is voice or data.")
        }
        // 020 numbers belong to M2M/IoT data SIMs only.
        if phone.kind == .machineToMachine, kind != .data {
            throw ImportRowProblem(field: "kind", reason: "m2m_data_only", message: "An M2M (020) number is a data-only line.")
        }
        return Row(
            phoneNumber: phone.digits, customerNumber: try fields.value("customerNumber", as: CustomerNumber.self).digits,
            iccid: try fields.value("iccid", as: ICCID.self).digits, kind: kind)
    }

    func key(of row: Row) -> String { row.phoneNumber }

    func apply(staged encoded: Data, in db: Database) throws -> ImportOutcome {
        let row = try row(staged: encoded)
        let fingerprint = String(decoding: encoded, as: UTF8.self)
        let stored = try String.fetchOne(
            db, sql: "SELECT fingerprint FROM line WHERE phoneNumber = ?", arguments: [row.phoneNumber])
        let holder = try String.fetchOne(
            db, sql: "SELECT phoneNumber FROM line WHERE iccid = ? AND phoneNumber <> ?", arguments: [row.iccid, row.phoneNumber])
        let outcome = try ClaimedValues.outcome(key: row.phoneNumber, fingerprint: fingerprint, stored: stored, holder: holder) {
            Self.simTaken(row, holder: $0)
        }.get()
        guard outcome != .unchanged else { return outcome }
        try db.execute(
            sql: """
                INSERT INTO line (phoneNumber, customerNumber, iccid, kind, fingerprint) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (phoneNumber) DO UPDATE SET customerNumber = excluded.customerNumber, iccid = excluded.iccid,
                  kind = excluded.kind, fingerprint = excluded.fingerprint
                """,
            arguments: [row.phoneNumber, row.customerNumber, row.iccid, row.kind.rawValue, fingerprint])
        return outcome
    }

    /// A SIM stays with one number (`ClaimedValues`).
    static func simTaken(_ row: Row, holder: String) -> ImportRowProblem {
        ImportRowProblem(field: "iccid", reason: "iccid_taken", message: "\(row.iccid) is the SIM of \(holder) already.")
    }
}
