import Foundation
import Logging
import PostgresNIO
import ServiceKit

extension ISPContractDataset: PostgresImportDataset {
    /// Applies a page of ISP contracts in two statements: one reads what is stored for the
    /// page's contracts and addresses, the other stores the rows that change, each judged
    /// in file order as SQLite applies them (`ClaimedValues`: an address freed by an
    /// earlier row may be taken by a later one).
    func apply(staged batch: [Data], schema: String, on connection: PostgresConnection, logger: Logger) async throws
        -> [Result<ImportOutcome, ImportRowProblem>]
    {
        let rows = try batch.map { try row(staged: $0) }
        var claims = ClaimedValues()
        let stored = try await connection.query(
            """
            SELECT customer_number, email, fingerprint FROM \(unescaped: schema).isp_contract
            WHERE customer_number = ANY(\(rows.map(\.customerNumber))::text[]) OR email = ANY(\(rows.map(\.email))::text[])
            """, logger: logger)
        for try await (customerNumber, email, fingerprint) in stored.decode((String, String, String).self) {
            claims.stored(key: customerNumber, claim: email, fingerprint: fingerprint)
        }
        let (outcomes, changed) = claims.judge(
            page: zip(rows, batch).map { ($0, String(decoding: $1, as: UTF8.self)) }, key: \.customerNumber, claim: \.email,
            taken: Self.addressTaken)
        guard !changed.isEmpty else { return outcomes }
        try await connection.query(
            """
            INSERT INTO \(unescaped: schema).isp_contract
              (customer_number, description, email, phone_number, phone_kind, holder_name, fingerprint)
            SELECT * FROM unnest(
              \(changed.map(\.row.customerNumber))::text[], \(changed.map(\.row.description))::text[],
              \(changed.map(\.row.email))::text[], \(changed.map(\.row.phoneNumber))::text[],
              \(changed.map(\.row.phoneKind.rawValue))::text[], \(changed.map(\.row.holderName))::text[],
              \(changed.map(\.fingerprint))::text[])
            ON CONFLICT (customer_number) DO UPDATE SET
              description = excluded.description, email = excluded.email, phone_number = excluded.phone_number,
              phone_kind = excluded.phone_kind, holder_name = excluded.holder_name, fingerprint = excluded.fingerprint
            """, logger: logger)
        return outcomes
    }
}
