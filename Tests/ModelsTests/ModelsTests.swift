import Foundation
@testable import MadoguchiModels
import Testing

@Suite struct CustomerNumberTests {
    @Test func leadingZerosAndFullWidthDigits_normaliseToTheSameNumber() throws {
        let typed = try CustomerNumber(validating: "12345")
        #expect(try CustomerNumber(validating: "0012345") == typed)
        #expect(try CustomerNumber(validating: "００１２３４５") == typed)
        #expect(typed.digits == "12345")
    }

    @Test(arguments: ["", "0000", "12a45", "1234567890123", "-12"])
    func invalidNumbers_areRefused(_ text: String) {
        #expect(throws: ModelValidationError.self) { try CustomerNumber(validating: text) }
    }
}

@Suite struct PhoneNumberTests {
    @Test func hyphensSpacesAndFullWidth_areNormalised() throws {
        for typed in ["090-1234-5678", "０９０－１２３４－５６７８", "090 1234 5678", "09012345678", "(090)1234-5678"] {
            #expect(try PhoneNumber(validating: typed).digits == "09012345678", "\(typed)")
        }
    }

    @Test func kinds_followThePrefix() throws {
        #expect(try PhoneNumber(validating: "09012345678").kind == .mobile)
        #expect(try PhoneNumber(validating: "07012345678").kind == .mobile)
        #expect(try PhoneNumber(validating: "05012345678").kind == .ipPhone)
        #expect(try PhoneNumber(validating: "0312345678").kind == .landline)
        #expect(try PhoneNumber(validating: "0312345678").lastFourDigits == "5678")
    }

    @Test(arguments: ["", "1234567890", "031234567", "031234567890", "01212345678", "090-1234-567x"])
    func invalidNumbers_areRefusedWithAReason(_ text: String) {
        #expect(throws: ModelValidationError.self) { try PhoneNumber(validating: text) }
    }
}

@Suite struct PINTests {
    @Test func fullWidthDigits_areAccepted() throws {
        #expect(try PIN(validating: "１２３４").digits == "1234")
    }

    @Test(arguments: ["123", "123456789", "12a4", "", "12 34"])
    func badShapes_areRefused(_ text: String) {
        #expect(throws: ModelValidationError.self) { try PIN(validating: text) }
    }

    @Test func description_neverRevealsTheDigits() throws {
        let pin = try PIN(validating: "4821")
        #expect(!"\(pin)".contains("4821"))
        #expect(!String(reflecting: pin).contains("4821"))
        do {
            _ = try PIN(validating: "48a1")
        } catch {
            #expect(!error.message.contains("48a1"))
        }
    }
}

@Suite struct ReceptionNumberTests {
    let sample = ReceptionNumber.generate()

    @Test func lowerCaseAndFullWidth_normaliseToUpperCase() throws {
        #expect(try ReceptionNumber(validating: sample.value.lowercased()) == sample)
        let fullWidth = String(String.UnicodeScalarView(sample.value.unicodeScalars.map { Unicode.Scalar($0.value + 0xFEE0)! }))
        #expect(try ReceptionNumber(validating: fullWidth) == sample)
        #expect(sample.value.count == 13)
    }

    @Test(arguments: ["AB23CD34EF56", "AB23CD34EF5678", "AB23CD34EF56-", "AB23CD34EF56あ", "AB23CD34EF560", "AB23CD34EF56O"])
    func wrongLengthOrCharacters_areRefused(_ text: String) {
        #expect(throws: ModelValidationError.self) { try ReceptionNumber(validating: text) }
    }

    @Test func everySingleTypo_andEveryNeighbourSwap_isCaughtByTheCheckCharacter() {
        // The pair Luhn mod 32 missed: 2 and Z side by side.
        let body = "NU25PDL2ZNKM".utf8.map { ReceptionNumber.alphabet.firstIndex(of: $0)! }
        let check = ReceptionNumber.alphabet[ReceptionNumber.checkIndex(for: body[...])]
        let withTwoZ = try! ReceptionNumber(validating: "NU25PDL2ZNKM" + String(UnicodeScalar(check)))
        for number in [sample, withTwoZ] + (0..<50).map({ _ in ReceptionNumber.generate() }) {
            expectTyposCaught(in: number)
        }
    }

    func expectTyposCaught(in number: ReceptionNumber) {
        let characters = Array(number.value.utf8)
        for position in characters.indices {
            for replacement in ReceptionNumber.alphabet where replacement != characters[position] {
                var typo = characters
                typo[position] = replacement
                #expect(throws: ModelValidationError.self) {
                    try ReceptionNumber(validating: String(decoding: typo, as: UTF8.self))
                }
            }
            if position + 1 < characters.count, characters[position] != characters[position + 1] {
                var swapped = characters
                swapped.swapAt(position, position + 1)
                #expect(throws: ModelValidationError.self) {
                    try ReceptionNumber(validating: String(decoding: swapped, as: UTF8.self))
                }
            }
        }
    }
}

@Suite struct NameTests {
    @Test func halfWidthKatakanaAndAnASCIISpace_normaliseToTheRecordForm() throws {
        #expect(try KanaName(validating: "ｱｲｺﾑ ﾀﾛｳ").value == "アイコム\u{3000}タロウ")
        #expect(try KanaName(validating: "ｶﾞｸﾄﾞｳ  ﾊﾟﾝﾀﾞ").value == "ガクドウ\u{3000}パンダ")
        #expect(try KanaName(validating: "アイコム　タロウ").value == "アイコム\u{3000}タロウ")
    }

    @Test(arguments: ["アイコムタロウ", "あいこむ　たろう", "相込　太郎", "AIKOM TARO", ""])
    func namesNotInKatakanaWithASpace_areRefused(_ text: String) {
        #expect(throws: ModelValidationError.self) { try KanaName(validating: text) }
    }

    @Test func personNames_compareEqualHoweverTheSpaceIsTyped() throws {
        #expect(try PersonName(validating: " 相込  太郎 ") == PersonName(validating: "相込　太郎"))
    }

    @Test func iccids_needTheirCheckDigit() throws {
        #expect(try ICCID(validating: "8981 1000 0000 0000 002").digits == "8981100000000000002")
        #expect(throws: ModelValidationError.self) { try ICCID(validating: "8981100000000000007") }
        #expect(ICCID.checkDigit(completing: "898110000000000000") == 2)
        for body in ["898110000000001234", "8981100000000987654"] {
            #expect(throws: Never.self) { try ICCID(validating: body + String(ICCID.checkDigit(completing: body))) }
        }
        #expect(throws: ModelValidationError.self) { try ICCID(validating: "1234567890123456789") }
    }
}

@Suite struct AccountIDTests {
    @Test func idsDifferingOnlyInCase_areTheSameAccount() throws {
        let mixed = try AccountID(validating: "Taro.Yamada")
        let lower = try AccountID(validating: "taro.yamada")
        #expect(mixed == lower)
        #expect(Set([mixed, lower]).count == 1)
        #expect(mixed.display == "Taro.Yamada")
        #expect(mixed.normalized == "taro.yamada")
    }

    @Test func limits_areFiveToThirtyPrintableCharacters() throws {
        #expect(throws: ModelValidationError.self) { try AccountID(validating: "abcd") }
        #expect(try AccountID(validating: "abcde").display == "abcde")
        #expect(try AccountID(validating: String(repeating: "a", count: 30)).display.count == 30)
        #expect(throws: ModelValidationError.self) { try AccountID(validating: String(repeating: "a", count: 31)) }
        #expect(throws: ModelValidationError.self) { try AccountID(validating: "taro yamada") }
        #expect(throws: ModelValidationError.self) { try AccountID(validating: "たろうやまだ") }
        #expect(try AccountID(validating: "t@r0_#!~").display == "t@r0_#!~")
    }
}

@Suite struct YenTests {
    @Test func description_groupsThousands() {
        #expect(Yen(0).description == "0円")
        #expect(Yen(999).description == "999円")
        #expect(Yen(1000).description == "1,000円")
        #expect(Yen(1_234_567).description == "1,234,567円")
        #expect(Yen(-5500).description == "-5,500円")
    }

    @Test func codable_isAPlainInteger() throws {
        let data = try JSONEncoder().encode(Yen(3300))
        #expect(String(decoding: data, as: UTF8.self) == "3300")
        #expect(try JSONDecoder().decode(Yen.self, from: Data("3300".utf8)) == 3300)
        #expect(Yen(1000) + Yen(100) - Yen(50) == Yen(1050))
    }
}

@Suite struct BillingMonthTests {
    @Test func parsesAndPrintsYYYYMM() throws {
        let month = try BillingMonth(validating: "2024-03")
        #expect(month.year == 2024 && month.month == 3)
        #expect(month.description == "2024-03")
        #expect(try BillingMonth(validating: "２０２４－０３") == month)
    }

    @Test(arguments: ["2024-13", "2024-00", "2024-3", "24-03", "2024/03", "abcd-ef"])
    func invalidMonths_areRefused(_ text: String) {
        #expect(throws: ModelValidationError.self) { try BillingMonth(validating: text) }
    }

    @Test func arithmetic_crossesYears() throws {
        let january = try BillingMonth(validating: "2025-01")
        #expect(january.advanced(by: -1).description == "2024-12")
        #expect(january.advanced(by: -14).description == "2023-11")
        #expect(january.advanced(by: 12).description == "2026-01")
        #expect(january.advanced(by: -1) < january)
        #expect(try BillingMonth(validating: "2023-11").months(to: january) == 14)
        #expect(BillingMonth.earliestStatement.description == "2020-07")
    }

    @Test func monthContainingAnInstant_isTheTokyoMonth() throws {
        // 2024-03-31T15:30Z is already 2024-04-01 00:30 in Tokyo.
        let instant = try Date("2024-03-31T15:30:00Z", strategy: .iso8601)
        #expect(BillingMonth(containing: instant).description == "2024-04")
    }
}

@Suite struct ISPCustomerNumberTests {
    @Test func typedForms_normaliseToUpperCaseN() throws {
        let number = try ISPCustomerNumber(validating: "N123456789")
        #expect(try ISPCustomerNumber(validating: "n123456789") == number)
        #expect(try ISPCustomerNumber(validating: "Ｎ１２３４５６７８９") == number)
        #expect(number.value == "N123456789")
    }

    @Test(arguments: ["123456789", "N12345678", "N1234567890", "M123456789", "N12345678X", "", "N 12345678"])
    func otherShapes_areRefused(text: String) {
        #expect(throws: ModelValidationError.self) { try ISPCustomerNumber(validating: text) }
    }
}

@Suite struct MachineToMachineNumberTests {
    /// 020 + 8 digits is an M2M (IoT) data SIM's number: valid, and neither mobile nor IP.
    @Test func twentyNumbers_areMachineToMachine() throws {
        let number = try PhoneNumber(validating: "020-1234-5678")
        #expect(number.digits == "02012345678" && number.kind == .machineToMachine)
        #expect(throws: ModelValidationError.self) { try PhoneNumber(validating: "030-1234-5678") }
    }
}
