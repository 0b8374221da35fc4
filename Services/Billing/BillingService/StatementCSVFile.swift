import BillingAPI
import CSV
import Foundation

/// A statement as a CSV file for spreadsheet software: UTF-8 with a byte order mark
/// (without one, Excel in Japan reads UTF-8 as Shift_JIS and garbles the Japanese),
/// CRLF line ends, Japanese headings; a header block, the items, then the tax per rate
/// and the totals. Quoting is CSV.swift's (descriptions may hold commas or quotes).
enum StatementCSVFile {
    static func make(_ statement: MonthlyStatement) throws -> StatementCSV {
        let stream = OutputStream(toMemory: ())
        let writer = try CSVWriter(stream: stream, newline: .crlf)
        let rows: [[String]] =
            [
                ["ご請求月", statement.month.description],
                ["お客さま番号", statement.customerNumber],
                ["発行日", statement.issueDate.description],
                ["お支払期限", statement.dueDate.description],
                ["お支払方法", statement.paymentMethod.label],
                ["お支払状況", statement.paymentStatus.label],
                ["登録番号", statement.issuerRegistrationNumber],
                [],
                ["コード", "内容", "数量", "単価", "金額", "税区分"],
            ]
            + statement.items.map { item in
                [
                    item.code, item.description, String(item.quantity), String(item.unitPrice.amount),
                    String(item.amount.amount), item.taxCategory.label,
                ]
            }
            + [[], ["税区分", "対象額", "消費税額"]]
            + statement.taxes.map { [$0.taxCategory.label, String($0.subtotal.amount), String($0.tax.amount)] }
            + [
                [],
                ["小計（税抜）", String(statement.subtotal.amount)],
                ["消費税等", String(statement.tax.amount)],
                ["ご請求金額", String(statement.total.amount)],
            ]
        for row in rows { try writer.write(row: row.isEmpty ? [""] : row) }
        stream.close()
        let data = stream.property(forKey: .dataWrittenToMemoryStreamKey) as? Data ?? Data()
        return StatementCSV(
            filename: "statement-\(statement.customerNumber)-\(statement.month).csv",
            contentType: "text/csv; charset=utf-8",
            csv: "\u{FEFF}" + String(decoding: data, as: UTF8.self) + "\r\n")
    }
}
