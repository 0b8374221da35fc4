import Foundation

/// A calendar day with no time or zone: a birth date, a holiday, the day a PIN unlocks.
public struct CivilDate: Hashable, Comparable, Sendable, StringRepresentedValue, CustomStringConvertible {
    public let year: Int
    public let month: Int
    public let day: Int

    public init(year: Int, month: Int, day: Int) throws(ModelValidationError) {
        guard (1900...2199).contains(year), (1...12).contains(month),
            (1...Self.daysIn(month: month, of: year)).contains(day)
        else {
            throw ModelValidationError(field: "date", reason: "invalid_date", message: "Not a real calendar date.")
        }
        self.year = year
        self.month = month
        self.day = day
    }

    /// The length of a month in the Gregorian calendar, which Japan has kept since 1873.
    /// Worked out rather than asked of `Calendar`: statement lists check every date they
    /// read, and `DateComponents.isValidDate` cost a tenth of billing's CPU under load.
    static func daysIn(month: Int, of year: Int) -> Int {
        switch month {
        case 2: year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    init(unchecked year: Int, _ month: Int, _ day: Int) {
        self.year = year
        self.month = month
        self.day = day
    }

    /// Parses `YYYY-MM-DD` (full-width digits accepted).
    public init(validating text: String) throws(ModelValidationError) {
        let parts = HalfWidth.normalize(text).split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            parts.allSatisfy({ HalfWidth.isDigits($0) }),
            let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2])
        else {
            throw ModelValidationError(field: "date", reason: "invalid_format", message: "A date is written YYYY-MM-DD.")
        }
        try self.init(year: year, month: month, day: day)
    }

    /// The day that contains `instant` in Japan time.
    public init(containing instant: Date) {
        let parts = Calendar.tokyo.dateComponents([.year, .month, .day], from: instant)
        self.init(unchecked: parts.year!, parts.month!, parts.day!)
    }

    /// 00:00 of this day in Japan time.
    public var startInTokyo: Date {
        Calendar.tokyo.date(from: DateComponents(year: year, month: month, day: day))!
    }

    /// 1 = Sunday … 7 = Saturday.
    public var weekday: Int { Calendar.tokyo.component(.weekday, from: startInTokyo) }

    /// The day `count` days later (earlier when negative).
    public func adding(days count: Int) -> CivilDate {
        CivilDate(containing: Calendar.tokyo.date(byAdding: .day, value: count, to: startInTokyo)!)
    }

    public static func < (lhs: CivilDate, rhs: CivilDate) -> Bool {
        (lhs.year, lhs.month, lhs.day) < (rhs.year, rhs.month, rhs.day)
    }

    public var canonicalText: String {
        String(year) + "-" + (month < 10 ? "0" : "") + String(month) + "-" + (day < 10 ? "0" : "") + String(day)
    }

    public var description: String { canonicalText }
}
