import Foundation

extension JSONValue {
    /// Parses JSON text (UTF-8, strict RFC 8259) with `JSONReader`.
    public static func parse(_ data: Data) throws(JSONReadError) -> JSONValue {
        try JSONReader.read(data)
    }

    /// Parses an object's text leaving out the members named in `skipped` (their structure
    /// is still checked): a record's summary fields without building its long lists.
    public static func parse(_ data: Data, skippingMembers skipped: Set<String>) throws(JSONReadError) -> JSONValue {
        try JSONReader.read(data, skipping: skipped)
    }
}
