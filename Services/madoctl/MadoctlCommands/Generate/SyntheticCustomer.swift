import AuthAPI
import MadoguchiModels

/// One made-up customer of a realistic operator, the same every time for the same number:
/// a name in kanji and kana, a birth date, one or two mobile lines (most with voice, some
/// data-only SIMs), a SIM per line, and for one customer in three a fibre contract with
/// the ISP. Every field passes the same validation as a real customer's.
struct SyntheticCustomer {
    /// A mobile line: its number, whether it carries voice (and so a network PIN), its SIM.
    struct Line {
        let phone: String
        let voice: Bool
        let iccid: String
    }

    let number: Int
    let name: String
    let kana: String
    let birthDate: CivilDate
    let lines: [Line]
    let email: String
    let postalCode: String
    let address: String

    init(number: Int) {
        precondition((1...99_999_999).contains(number), "customer numbers run from 1 to 99,999,999")
        var random = SplitMix64(seed: UInt64(number) &* 0x2545_F491_4F6C_DD1D)
        let family = Self.familyNames[Int(random.next() % UInt64(Self.familyNames.count))]
        let given = Self.givenNames[Int(random.next() % UInt64(Self.givenNames.count))]
        self.number = number
        name = family.kanji + "　" + given.kanji
        kana = family.kana + "　" + given.kana
        birthDate = try! CivilDate(
            year: 1940 + Int(random.next() % 66), month: 1 + Int(random.next() % 12), day: 1 + Int(random.next() % 28))
        let digits = Self.eightDigits(number)
        // Every fifth customer has a second line; one line in ten is a data-only SIM.
        var lines = [Line(phone: "090" + digits, voice: random.next() % 10 != 0, iccid: Self.iccid(number, line: 0))]
        if number % 5 == 0 {
            lines.append(Line(phone: "080" + digits, voice: random.next() % 10 != 0, iccid: Self.iccid(number, line: 1)))
        }
        self.lines = lines
        email = "customer\(number)@example.jp"
        postalCode = String(100_0000 + Int(random.next() % 800_0000))
        let prefecture = Self.prefectures[Int(random.next() % UInt64(Self.prefectures.count))]
        address = "\(prefecture)中央\(1 + random.next() % 9)-\(1 + random.next() % 30)-\(1 + random.next() % 20)"
    }

    /// The fibre contract with the ISP, for one customer in three.
    var ispCustomerNumber: String? { number % 3 == 0 ? "N1" + Self.eightDigits(number) : nil }

    var services: [String] {
        var services = lines.contains(where: \.voice) ? ["mobile-voice"] : []
        if lines.contains(where: { !$0.voice }) { services.append("mobile-data") }
        if ispCustomerNumber != nil { services.append("fibre") }
        return services
    }

    /// The network PIN a voice line was given: four digits that break none of the rules a
    /// shop would refuse (birthday, the line's digits, repeats, runs).
    func networkPIN(of line: Line) -> PIN {
        var random = SplitMix64(seed: UInt64(line.phone)! &* 0x9E37_79B9)
        let holder = PINHolderFacts(birthDate: birthDate, phoneNumbers: [try! PhoneNumber(validating: line.phone)])
        while true {
            let candidate = try! PIN(validating: String(zeroPadded: Int(random.next() % 10_000), width: 4))
            if GuessablePIN.check(candidate, kind: .network, holder: holder) == nil { return candidate }
        }
    }

    /// A four-digit PIN that is not `line`'s, for a wrong attempt.
    func wrongPIN(of line: Line) -> PIN {
        let right = Int(networkPIN(of: line).digits)!
        return try! PIN(validating: String(zeroPadded: (right + 1_111) % 10_000, width: 4))
    }

    private static func eightDigits(_ number: Int) -> String { String(zeroPadded: number, width: 8) }

    /// A 19-digit ICCID of the operator's range (89 81 10…) with its Luhn check digit.
    private static func iccid(_ number: Int, line: Int) -> String {
        let body = "898110" + String(zeroPadded: number * 2 + line, width: 12)
        return body + String(ICCID.checkDigit(completing: body))
    }

    static let familyNames: [(kanji: String, kana: String)] = [
        ("佐藤", "サトウ"), ("鈴木", "スズキ"), ("高橋", "タカハシ"), ("田中", "タナカ"), ("伊藤", "イトウ"),
        ("渡辺", "ワタナベ"), ("山本", "ヤマモト"), ("中村", "ナカムラ"), ("小林", "コバヤシ"), ("加藤", "カトウ"),
        ("吉田", "ヨシダ"), ("山田", "ヤマダ"), ("佐々木", "ササキ"), ("山口", "ヤマグチ"), ("松本", "マツモト"),
    ]
    static let givenNames: [(kanji: String, kana: String)] = [
        ("太郎", "タロウ"), ("花子", "ハナコ"), ("一郎", "イチロウ"), ("陽菜", "ヒナ"), ("蓮", "レン"),
        ("結衣", "ユイ"), ("大翔", "ヒロト"), ("美咲", "ミサキ"), ("健太", "ケンタ"), ("由美", "ユミ"),
        ("翔", "ショウ"), ("さくら", "サクラ"), ("誠", "マコト"), ("恵子", "ケイコ"), ("直樹", "ナオキ"),
    ]
    static let prefectures = ["東京都千代田区", "大阪府大阪市北区", "愛知県名古屋市中区", "福岡県福岡市博多区", "北海道札幌市中央区", "宮城県仙台市青葉区"]
}

extension String {
    /// `value`'s decimal digits with leading zeros to `width` (value < 10^width).
    init(zeroPadded value: Int, width: Int) {
        let digits = String(value)
        self = String(repeating: "0", count: Swift.max(0, width - digits.count)) + digits
    }
}
