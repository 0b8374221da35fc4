import Foundation
import MadoguchiModels
import Testing

/// The holiday calendar against the published dates for 2020–2030 (the Cabinet Office's
/// lists; the equinox days of later years as the National Astronomical Observatory
/// projects them), as listed independently by the `jpholiday` package.
@Suite struct JapaneseHolidaysTests {
    static let published: [Int: String] = [
        2020: "01-01 01-13 02-11 02-23 02-24 03-20 04-29 05-03 05-04 05-05 05-06 07-23 07-24 08-10 09-21 09-22 11-03 11-23",
        2021: "01-01 01-11 02-11 02-23 03-20 04-29 05-03 05-04 05-05 07-22 07-23 08-08 08-09 09-20 09-23 11-03 11-23",
        2022: "01-01 01-10 02-11 02-23 03-21 04-29 05-03 05-04 05-05 07-18 08-11 09-19 09-23 10-10 11-03 11-23",
        2023: "01-01 01-02 01-09 02-11 02-23 03-21 04-29 05-03 05-04 05-05 07-17 08-11 09-18 09-23 10-09 11-03 11-23",
        2024: "01-01 01-08 02-11 02-12 02-23 03-20 04-29 05-03 05-04 05-05 05-06 07-15 08-11 08-12 09-16 09-22 09-23 10-14 11-03 11-04 11-23",
        2025: "01-01 01-13 02-11 02-23 02-24 03-20 04-29 05-03 05-04 05-05 05-06 07-21 08-11 09-15 09-23 10-13 11-03 11-23 11-24",
        2026: "01-01 01-12 02-11 02-23 03-20 04-29 05-03 05-04 05-05 05-06 07-20 08-11 09-21 09-22 09-23 10-12 11-03 11-23",
        2027: "01-01 01-11 02-11 02-23 03-21 03-22 04-29 05-03 05-04 05-05 07-19 08-11 09-20 09-23 10-11 11-03 11-23",
        2028: "01-01 01-10 02-11 02-23 03-20 04-29 05-03 05-04 05-05 07-17 08-11 09-18 09-22 10-09 11-03 11-23",
        2029: "01-01 01-08 02-11 02-12 02-23 03-20 04-29 04-30 05-03 05-04 05-05 07-16 08-11 09-17 09-23 09-24 10-08 11-03 11-23",
        2030: "01-01 01-14 02-11 02-23 03-20 04-29 05-03 05-04 05-05 05-06 07-15 08-11 08-12 09-16 09-23 10-14 11-03 11-04 11-23",
    ]

    @Test(arguments: 2020...2030)
    func holidays_matchThePublishedList(_ year: Int) {
        let computed = JapaneseHolidays.holidays(in: year).map { String($0.description.dropFirst(5)) }
        #expect(computed.joined(separator: " ") == Self.published[year])
    }

    @Test func businessDays_areWeekdaysThatAreNotHolidays() throws {
        #expect(JapaneseHolidays.isBusinessDay(try CivilDate(validating: "2026-11-20")))  // Friday
        #expect(!JapaneseHolidays.isBusinessDay(try CivilDate(validating: "2026-11-21")))  // Saturday
        #expect(!JapaneseHolidays.isBusinessDay(try CivilDate(validating: "2026-11-22")))  // Sunday
        #expect(!JapaneseHolidays.isBusinessDay(try CivilDate(validating: "2026-11-23")))  // 勤労感謝の日, Monday
        #expect(!JapaneseHolidays.isBusinessDay(try CivilDate(validating: "2026-09-22")))  // 国民の休日, Tuesday
        #expect(!JapaneseHolidays.isBusinessDay(try CivilDate(validating: "2025-11-24")))  // 振替休日, Monday
        #expect(!JapaneseHolidays.isBusinessDay(try CivilDate(validating: "2024-03-20")))  // 春分の日, Wednesday
        #expect(JapaneseHolidays.isBusinessDay(try CivilDate(validating: "2024-03-21")))
    }

    @Test func civilDates_parseAndRefuseImpossibleDays() throws {
        #expect(try CivilDate(validating: "1985-04-01").description == "1985-04-01")
        #expect(throws: ModelValidationError.self) { try CivilDate(validating: "2023-02-29") }
        #expect(try CivilDate(validating: "2024-02-29").adding(days: 1).description == "2024-03-01")
        #expect(throws: ModelValidationError.self) { try CivilDate(validating: "2024-2-29") }
    }

    /// The month lengths CivilDate works out agree with Foundation's calendar on every
    /// day of every year it accepts (1900 and 2100 are not leap years, 2000 is).
    @Test func civilDates_agreeWithTheCalendarOnEveryDay() {
        var disagreements: [String] = []
        for year in 1900...2199 {
            for month in 1...12 {
                for day in 28...31 {
                    var components = DateComponents(year: year, month: month, day: day)
                    components.calendar = .tokyo
                    let accepted = (try? CivilDate(year: year, month: month, day: day)) != nil
                    if accepted != components.isValidDate { disagreements.append("\(year)-\(month)-\(day)") }
                }
            }
        }
        #expect(disagreements.isEmpty)
    }
}

@Suite struct TokyoTimeZoneTests {
    /// The fixed UTC+9 zone (no zoneinfo file) gives every instant the same Japan date and
    /// time as the named zone, at noon and around midnight, every week of 1952–2100.
    @Test func fixedOffset_matchesAsiaTokyo() throws {
        let named = try #require(TimeZone(identifier: "Asia/Tokyo"))
        var zoneinfo = Calendar(identifier: .gregorian)
        zoneinfo.timeZone = named
        let start = try #require(zoneinfo.date(from: DateComponents(year: 1952, month: 1, day: 1)))
        let end = try #require(zoneinfo.date(from: DateComponents(year: 2101, month: 1, day: 1)))
        var instant = start
        while instant < end {
            for offset in [0.0, 1.0, -1.0, 43_200.0] {
                let at = instant.addingTimeInterval(offset)
                #expect(TimeZone.tokyo.secondsFromGMT(for: at) == named.secondsFromGMT(for: at))
            }
            instant = instant.addingTimeInterval(7 * 86_400)
        }
    }
}
