import Foundation

/// Free text an audited operator action must carry: who did it (`staff`) and why
/// (`reason`). A record that names nobody and no reason is no record, so text that is
/// blank once trimmed is refused like empty text: `-32602`, reason `invalid_value`,
/// naming the member. The text is kept trimmed.
extension KeyedDecodingContainer {
    /// The member's text, trimmed; refused when blank or longer than `maximumLength`.
    /// `rule` says what the member must hold ("Name the staff member").
    public func decodeAuditText(forKey key: Key, maximumLength: Int, rule: String) throws -> String {
        let text = try decode(String.self, forKey: key)
        guard let trimmed = AuditText.trimmed(text, maximumLength: maximumLength) else {
            throw DecodingError.dataCorruptedError(
                forKey: key, in: self,
                debugDescription: "\(rule) (1 to \(maximumLength) characters, not only spaces).")
        }
        return trimmed
    }

    /// As `decodeAuditText`, for a member that only some uses of a method need.
    public func decodeAuditTextIfPresent(forKey key: Key, maximumLength: Int, rule: String) throws -> String? {
        guard contains(key), try !decodeNil(forKey: key) else { return nil }
        return try decodeAuditText(forKey: key, maximumLength: maximumLength, rule: rule)
    }
}

/// The rule behind `decodeAuditText`.
public enum AuditText {
    /// `text` without surrounding white space (full-width spaces too), or nil when nothing
    /// is left or more than `maximumLength` characters are.
    public static func trimmed(_ text: String, maximumLength: Int) -> String? {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (1...maximumLength).contains(trimmed.count) else { return nil }
        return trimmed
    }
}
