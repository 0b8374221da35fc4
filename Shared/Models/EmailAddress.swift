/// An e-mail address: `local@domain`, at most 254 characters, no spaces. Full-width
/// characters are normalised; the domain is lower-cased (the local part is kept, since
/// it may be case-sensitive).
public struct EmailAddress: Hashable, Sendable, StringRepresentedValue, CustomStringConvertible {
    public let value: String

    public init(validating text: String) throws(ModelValidationError) {
        let normalized = HalfWidth.normalize(text).trimmingSpaces()
        let parts = normalized.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[1].contains("."), !parts[1].hasPrefix("."),
            !parts[1].hasSuffix("."), normalized.utf8.count <= 254,
            normalized.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F })
        else {
            throw ModelValidationError(
                field: "email", reason: "invalid_email", message: "Not an e-mail address (name@example.jp).")
        }
        value = String(parts[0]) + "@" + parts[1].lowercased()
    }

    public var canonicalText: String { value }
    public var description: String { value }
}
