/// An amount of money in Japanese yen. The yen has no minor unit, so an amount is a
/// whole number; it is written in JSON as an integer.
public struct Yen: Hashable, Comparable, Sendable, Codable, CustomStringConvertible,
    AdditiveArithmetic, ExpressibleByIntegerLiteral
{
    /// The amount in yen (negative for credits and refunds).
    public var amount: Int64

    public init(_ amount: Int64) { self.amount = amount }
    public init(integerLiteral value: Int64) { self.amount = value }

    public static let zero = Yen(0)
    public static func + (lhs: Yen, rhs: Yen) -> Yen { Yen(lhs.amount + rhs.amount) }
    public static func - (lhs: Yen, rhs: Yen) -> Yen { Yen(lhs.amount - rhs.amount) }
    public static func < (lhs: Yen, rhs: Yen) -> Bool { lhs.amount < rhs.amount }

    public init(from decoder: any Decoder) throws {
        amount = try decoder.singleValueContainer().decode(Int64.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(amount)
    }

    /// The amount as printed on a Japanese statement: `1,234円`, `-500円`.
    public var description: String {
        let digits = String(amount.magnitude)
        var grouped = ""
        for (index, digit) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { grouped.append(",") }
            grouped.append(digit)
        }
        return (amount < 0 ? "-" : "") + grouped + "円"
    }
}
