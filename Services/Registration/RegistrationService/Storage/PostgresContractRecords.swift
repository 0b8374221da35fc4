import Foundation
import JSONRPC
import Logging
import PostgresNIO
import ServiceKit

extension ContractDataset: PostgresImportDataset {
    /// Applies a page of contracts in a few statements: one reads the page's stored
    /// fingerprints; the changed contracts are written in one, their phone numbers and SIMs
    /// replaced in three more. A SIM named by two contracts goes to the later one, as
    /// SQLite's row-by-row apply leaves it.
    func apply(staged batch: [Data], schema: String, on connection: PostgresConnection, logger: Logger) async throws
        -> [Result<ImportOutcome, ImportRowProblem>]
    {
        let rows = try batch.map { try row(staged: $0) }
        var stored: [String: String] = [:]
        for try await (customer, fingerprint) in try await connection.query(
            """
            SELECT customer_number, fingerprint FROM \(unescaped: schema).contract
            WHERE customer_number = ANY(\(rows.map(\.customerNumber))::text[])
            """, logger: logger
        ).decode((String, String).self) { stored[customer] = fingerprint }
        var outcomes: [Result<ImportOutcome, ImportRowProblem>] = []
        var changed: [(row: Row, fingerprint: String)] = []
        for (row, staged) in zip(rows, batch) {
            let fingerprint = String(decoding: staged, as: UTF8.self)
            let outcome: ImportOutcome = stored[row.customerNumber] == fingerprint ? .unchanged : stored[row.customerNumber] == nil ? .inserted : .updated
            outcomes.append(.success(outcome))
            if outcome != .unchanged { changed.append((row, fingerprint)) }
        }
        guard !changed.isEmpty else { return outcomes }
        let customers = changed.map(\.row.customerNumber)
        let services = try changed.map { String(decoding: try JSONCoding.encoder.encode($0.row.services), as: UTF8.self) }
        try await connection.query(
            """
            INSERT INTO \(unescaped: schema).contract
              (customer_number, name, kana, birth_date, email, postal_code, address, services, fingerprint)
            -- Absent values travel as '' (no real one is empty: each is validated and trimmed).
            SELECT customer_number, name, kana, birth_date, NULLIF(email, ''), NULLIF(postal_code, ''), NULLIF(address, ''),
                   services, fingerprint
            FROM unnest(
              \(customers)::text[], \(changed.map(\.row.name))::text[], \(changed.map(\.row.kana))::text[],
              \(changed.map(\.row.birthDate))::text[], \(changed.map { $0.row.email?.lowercased() ?? "" })::text[],
              \(changed.map { $0.row.postalCode ?? "" })::text[], \(changed.map { $0.row.address ?? "" })::text[],
              \(services)::text[], \(changed.map(\.fingerprint))::text[])
              AS incoming (customer_number, name, kana, birth_date, email, postal_code, address, services, fingerprint)
            ON CONFLICT (customer_number) DO UPDATE SET
              name = excluded.name, kana = excluded.kana, birth_date = excluded.birth_date, email = excluded.email,
              postal_code = excluded.postal_code, address = excluded.address, services = excluded.services,
              fingerprint = excluded.fingerprint
            """, logger: logger)
        try await connection.query(
            "DELETE FROM \(unescaped: schema).contract_phone WHERE customer_number = ANY(\(customers)::text[])", logger: logger)
        try await connection.query(
            "DELETE FROM \(unescaped: schema).contract_sim WHERE customer_number = ANY(\(customers)::text[])", logger: logger)
        let phones = changed.flatMap { change in change.row.phoneNumbers.map { (change.row.customerNumber, $0) } }
        try await connection.query(
            """
            INSERT INTO \(unescaped: schema).contract_phone (customer_number, digits)
            SELECT * FROM unnest(\(phones.map(\.0))::text[], \(phones.map(\.1))::text[])
            """, logger: logger)
        // A SIM moves to the contract that now holds it: the page's last row naming it.
        var holder: [String: String] = [:]
        for change in changed { for iccid in change.row.iccids { holder[iccid] = change.row.customerNumber } }
        let sims = holder.sorted { $0.key < $1.key }
        try await connection.query(
            """
            INSERT INTO \(unescaped: schema).contract_sim (iccid, customer_number)
            SELECT * FROM unnest(\(sims.map(\.key))::text[], \(sims.map(\.value))::text[])
            ON CONFLICT (iccid) DO UPDATE SET customer_number = excluded.customer_number
            """, logger: logger)
        return outcomes
    }
}
