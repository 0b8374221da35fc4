import ServiceContract

/// The statements dataset: `statements.import.begin|rows|commit`. One row is one
/// customer's statement for one month, with its line items.
public enum StatementRecords: ImportKind {
    public static let name = "statements"
    public static let rowSummary =
        "customerNumber, month (YYYY-MM, from 2020-07), issueDate, dueDate, paymentMethod, paymentStatus, issuerRegistrationNumber, optional total (checked), and items: code, description, quantity, unitPrice, amount, taxCategory"

    /// In CSV a statement spans one line per item: these columns are the item's, the
    /// others repeat on each of the statement's lines.
    public static let itemColumns: ImportItemColumns? = ImportItemColumns(
        field: "items", columns: ["code", "description", "quantity", "unitPrice", "amount", "taxCategory"])
}
