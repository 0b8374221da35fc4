/// The name of an importable dataset, shared by the service and its callers (`madoctl`):
/// it names the methods `<name>.import.begin|rows|commit`.
public protocol ImportKind: Sendable {
    static var name: String { get }
    /// One sentence for discovery: what a row holds.
    static var rowSummary: String { get }
    /// For records with line items: the list field and its columns, which a CSV file
    /// spreads over one line per item.
    static var itemColumns: ImportItemColumns? { get }
}

extension ImportKind {
    public static var itemColumns: ImportItemColumns? { nil }
}

/// The line items of an imported record: the field holding them and the item's columns.
public struct ImportItemColumns: Sendable, Hashable {
    public var field: String
    public var columns: [String]

    public init(field: String, columns: [String]) {
        self.field = field
        self.columns = columns
    }
}
