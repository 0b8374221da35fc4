/// A qualified-invoice issuer's registration number (適格請求書発行事業者登録番号): `T`
/// followed by 13 digits, which for a corporation — every carrier, ISP and card issuer —
/// is its corporate number (法人番号), whose first digit checks the other twelve.
public struct InvoiceRegistrationNumber: Hashable, Sendable, StringRepresentedValue, CustomStringConvertible {
    /// `T` and the 13 digits.
    public let value: String

    public init(validating text: String) throws(ModelValidationError) {
        let normalized = HalfWidth.normalize(text).trimmingSpaces().uppercased().filter { $0 != "-" }
        let digits = normalized.dropFirst()
        guard normalized.first == "T", digits.count == 13, HalfWidth.isDigits(digits) else {
            throw ModelValidationError(
                field: "issuerRegistrationNumber", reason: "invalid_format",
                message: "A registration number is T followed by 13 digits.")
        }
        let numbers = digits.map { Int(String($0))! }
        guard numbers[0] == Self.checkDigit(of: numbers.dropFirst()) else {
            throw ModelValidationError(
                field: "issuerRegistrationNumber", reason: "invalid_check_digit",
                message: "This registration number's check digit does not match (a typing error?).")
        }
        value = normalized
    }

    /// The corporate number's check digit: 9 − (Σ Pn×Qn mod 9), where Pn is the n-th of
    /// the twelve base digits counted from the right and Qn is 1 for odd n, 2 for even n.
    static func checkDigit(of base: ArraySlice<Int>) -> Int {
        var sum = 0
        for (offset, digit) in base.reversed().enumerated() {
            sum += digit * (offset % 2 == 0 ? 1 : 2)
        }
        return 9 - sum % 9
    }

    public var canonicalText: String { value }
    public var description: String { value }
}
