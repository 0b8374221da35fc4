/// A My Page account ID: 5–30 letters, digits and symbols, case-insensitive. Full-width
/// forms (ｔａｒｏ１, as a Japanese keyboard often types them) are read as their half-width
/// letters, so they name the same account; the ID is kept and shown half-width.
///
/// Two IDs that differ only in letter case are the same account, so equality and hashing
/// use `normalized` (lower case) while `display` keeps what the customer chose.
public struct AccountID: Hashable, Sendable, StringRepresentedValue, CustomStringConvertible {
    /// The ID as the customer typed it (after full-width normalisation).
    public let display: String
    /// The lower-case form that identifies the account.
    public var normalized: String { display.lowercased() }

    /// How many characters an account ID may have.
    public static let allowedLengths = 5...30

    public init(validating text: String) throws(ModelValidationError) {
        let candidate = HalfWidth.normalize(text)
        // Printable ASCII without the space: letters, digits and symbols.
        guard candidate.utf8.allSatisfy({ $0 >= 0x21 && $0 <= 0x7E }) else {
            throw ModelValidationError(
                field: "accountId", reason: "invalid_characters",
                message: "An account ID uses half-width letters, digits and symbols only, with no spaces.")
        }
        guard Self.allowedLengths.contains(candidate.utf8.count) else {
            throw ModelValidationError(
                field: "accountId", reason: "invalid_length",
                message: "An account ID has \(Self.allowedLengths.lowerBound) to \(Self.allowedLengths.upperBound) characters.")
        }
        display = candidate
    }

    public static func == (lhs: AccountID, rhs: AccountID) -> Bool { lhs.normalized == rhs.normalized }
    public func hash(into hasher: inout Hasher) { hasher.combine(normalized) }

    public var canonicalText: String { display }
    public var description: String { display }
}
