/// An ISP contract's customer number: `N` followed by 9 digits (`N123456789`).
///
/// Typed in lower case or full width as often as not, so both are normalised; the
/// canonical form is an upper-case `N` and half-width digits.
public struct ISPCustomerNumber: Hashable, Sendable, StringRepresentedValue, CustomStringConvertible {
    /// `N` and nine half-width digits.
    public let value: String

    public init(validating text: String) throws(ModelValidationError) {
        let normalized = HalfWidth.normalize(text).trimmingSpaces().uppercased()
        guard normalized.utf8.count == 10, normalized.first == "N", HalfWidth.isDigits(normalized.dropFirst()) else {
            throw ModelValidationError(
                field: "customerNumber", reason: "invalid_isp_customer_number",
                message: "An ISP customer number is N followed by 9 digits (N123456789).")
        }
        value = normalized
    }

    public var canonicalText: String { value }
    public var description: String { value }
}
