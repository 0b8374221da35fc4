/// Japan's public holidays under the Act on National Holidays (国民の祝日に関する法律), as
/// amended up to the 2020–2021 Olympic moves, with substitute holidays (振替休日) and
/// citizens' holidays (国民の休日). Valid from 2020; the equinox days follow the National
/// Astronomical Observatory's formula, which the Cabinet Office confirms each February.
public enum JapaneseHolidays {
    /// Whether `date` is a public holiday.
    public static func isHoliday(_ date: CivilDate) -> Bool {
        holidays(in: date.year).contains(date)
    }

    /// Whether `date` is a business day: a weekday that is not a public holiday.
    public static func isBusinessDay(_ date: CivilDate) -> Bool {
        (2...6).contains(date.weekday) && !isHoliday(date)
    }

    /// Every public holiday of `year`, in order.
    public static func holidays(in year: Int) -> [CivilDate] {
        var days = Set(statutory(in: year))
        // Substitute holiday: a holiday on a Sunday moves to the next day that is not one.
        for day in days.sorted() where day.weekday == 1 {
            var substitute = day.adding(days: 1)
            while days.contains(substitute) { substitute = substitute.adding(days: 1) }
            days.insert(substitute)
        }
        // Citizens' holiday: a day that lies between two holidays is one too.
        for day in days.sorted() {
            let next = day.adding(days: 1)
            if !days.contains(next), days.contains(next.adding(days: 1)), next.weekday != 1 { days.insert(next) }
        }
        return days.filter { $0.year == year }.sorted()
    }

    /// The holidays named in the Act for `year`.
    static func statutory(in year: Int) -> [CivilDate] {
        func date(_ month: Int, _ day: Int) -> CivilDate { CivilDate(unchecked: year, month, day) }
        func monday(_ month: Int, _ nth: Int) -> CivilDate {
            let first = date(month, 1)
            let offset = (9 - first.weekday) % 7  // days from the 1st to the first Monday
            return date(month, 1 + offset + 7 * (nth - 1))
        }
        var days = [
            date(1, 1),  // 元日
            monday(1, 2),  // 成人の日
            date(2, 11),  // 建国記念の日
            date(2, 23),  // 天皇誕生日 (from 2020)
            date(3, vernalEquinoxDay(year)),  // 春分の日
            date(4, 29),  // 昭和の日
            date(5, 3), date(5, 4), date(5, 5),  // 憲法記念日, みどりの日, こどもの日
            monday(9, 3),  // 敬老の日
            date(9, autumnalEquinoxDay(year)),  // 秋分の日
            date(11, 3),  // 文化の日
            date(11, 23),  // 勤労感謝の日
        ]
        // 海の日, 山の日, スポーツの日: moved for the Tokyo Olympics in 2020 and 2021.
        switch year {
        case 2020: days += [date(7, 23), date(8, 10), date(7, 24)]
        case 2021: days += [date(7, 22), date(8, 8), date(7, 23)]
        default: days += [monday(7, 3), date(8, 11), monday(10, 2)]
        }
        return days
    }

    /// 春分の日 for 1980–2099.
    static func vernalEquinoxDay(_ year: Int) -> Int {
        let years = Double(year - 1980)
        return Int(20.8431 + 0.242194 * years) - (year - 1980) / 4
    }

    /// 秋分の日 for 1980–2099.
    static func autumnalEquinoxDay(_ year: Int) -> Int {
        let years = Double(year - 1980)
        return Int(23.2488 + 0.242194 * years) - (year - 1980) / 4
    }
}
