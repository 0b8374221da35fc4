import Foundation
import Logging
import PostgresNIO
import ServiceKit

extension LineDataset: PostgresImportDataset {
    /// Applies a page of lines in two statements: one reads what the inventory holds for
    /// the page's numbers and SIMs, the other stores the rows that change. Each row is
    /// judged in file order against the inventory as the rows before it left it (a SIM
    /// freed by an earlier row may be taken by a later one), as SQLite applies them.
    func apply(staged batch: [Data], schema: String, on connection: PostgresConnection, logger: Logger) async throws
        -> [Result<ImportOutcome, ImportRowProblem>]
    {
        let rows = try batch.map { try row(staged: $0) }
        var claims = ClaimedValues()
        let stored = try await connection.query(
            """
            SELECT phone_number, iccid, fingerprint FROM \(unescaped: schema).line
            WHERE phone_number = ANY(\(rows.map(\.phoneNumber))::text[]) OR iccid = ANY(\(rows.map(\.iccid))::text[])
            """, logger: logger)
        for try await (phone, iccid, fingerprint) in stored.decode((String, String, String).self) {
            claims.stored(key: phone, claim: iccid, fingerprint: fingerprint)
        }
        let (outcomes, changed) = claims.judge(
            page: zip(rows, batch).map { ($0, String(decoding: $1, as: UTF8.self)) }, key: \.phoneNumber, claim: \.iccid,
            taken: Self.simTaken)
        guard !changed.isEmpty else { return outcomes }
        try await connection.query(
            """
            INSERT INTO \(unescaped: schema).line (phone_number, customer_number, iccid, kind, fingerprint)
            SELECT * FROM unnest(
              \(changed.map(\.row.phoneNumber))::text[], \(changed.map(\.row.customerNumber))::text[],
              \(changed.map(\.row.iccid))::text[], \(changed.map(\.row.kind.rawValue))::text[], \(changed.map(\.fingerprint))::text[])
            ON CONFLICT (phone_number) DO UPDATE SET
              customer_number = excluded.customer_number, iccid = excluded.iccid, kind = excluded.kind,
              fingerprint = excluded.fingerprint
            """, logger: logger)
        return outcomes
    }
}
