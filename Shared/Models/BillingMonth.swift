import Foundation

/// A billing month (`2024-03`): the month a statement is for.
public struct BillingMonth: Hashable, Comparable, Sendable, StringRepresentedValue, CustomStringConvertible {
    public let year: Int
    /// 1…12.
    public let month: Int

    /// The first month for which statements exist: nothing before July 2020.
    public static let earliestStatement = BillingMonth(unchecked: 2020, 7)

    public init(year: Int, month: Int) throws(ModelValidationError) {
        guard (1...12).contains(month), (2000...2199).contains(year) else {
            throw ModelValidationError(
                field: "billingMonth", reason: "invalid_month",
                message: "A billing month is a real month written YYYY-MM.")
        }
        self.init(unchecked: year, month)
    }

    private init(unchecked year: Int, _ month: Int) {
        self.year = year
        self.month = month
    }

    /// Parses `YYYY-MM` (full-width digits accepted).
    public init(validating text: String) throws(ModelValidationError) {
        let parts = HalfWidth.normalize(text).split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count == 4, parts[1].count == 2,
            HalfWidth.isDigits(parts[0]), HalfWidth.isDigits(parts[1]),
            let year = Int(parts[0]), let month = Int(parts[1])
        else {
            throw ModelValidationError(
                field: "billingMonth", reason: "invalid_format",
                message: "A billing month is written YYYY-MM.")
        }
        try self.init(year: year, month: month)
    }

    /// The month that contains `instant` in Japan time (Asia/Tokyo).
    public init(containing instant: Date) {
        let components = Calendar.tokyo.dateComponents([.year, .month], from: instant)
        self.init(unchecked: components.year!, components.month!)
    }

    /// The month `count` months after this one (before it when negative).
    public func advanced(by count: Int) -> BillingMonth {
        let index = year * 12 + (month - 1) + count
        return BillingMonth(unchecked: index / 12, index % 12 + 1)
    }

    /// How many months `other` is after this one (negative when before).
    public func months(to other: BillingMonth) -> Int {
        (other.year * 12 + other.month) - (year * 12 + month)
    }

    public static func < (lhs: BillingMonth, rhs: BillingMonth) -> Bool {
        (lhs.year, lhs.month) < (rhs.year, rhs.month)
    }

    public var canonicalText: String {
        let paddedYear = String(year)
        return paddedYear + "-" + (month < 10 ? "0" : "") + String(month)
    }

    public var description: String { canonicalText }
}

extension Calendar {
    /// The Gregorian calendar in Japan time: the zone of every Madoguchi time rule.
    public static let tokyo: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = .tokyo
        return calendar
    }()
}

extension TimeZone {
    /// Japan time, UTC+9. Japan has kept that offset with no daylight saving since 1951,
    /// so a fixed offset is the same zone for every date Madoguchi handles, and unlike
    /// `TimeZone(identifier: "Asia/Tokyo")` it reads no zoneinfo file: a service out of
    /// file descriptors (or in a sandbox without /usr/share/zoneinfo) that first needs
    /// the zone then still has it, where the named zone came back nil and trapped.
    public static let tokyo = TimeZone(secondsFromGMT: 9 * 3600)!
}
