import MadoguchiModels

/// Why a PIN is too easy to guess; each has a stable `reason` a front end can show.
public enum GuessablePIN: Error, Sendable, CaseIterable {
    case birthday
    case phoneNumber
    case repeatedDigits
    case straightRun
    case sameAsCardPIN

    /// The refusal's `data.reason`.
    public var reason: AuthError.Reason {
        switch self {
        case .birthday: .pinIsBirthday
        case .phoneNumber: .pinIsPhoneDigits
        case .repeatedDigits: .pinIsRepeatedDigits
        case .straightRun: .pinIsStraightRun
        case .sameAsCardPIN: .pinSameAsCardPin
        }
    }

    /// A sentence for the customer; it never repeats the PIN.
    public var message: String {
        switch self {
        case .birthday: "The PIN must not be the holder's birthday (MMDD, DDMM, YYYY or YYMM)."
        case .phoneNumber: "The PIN must not be the last four digits of the holder's phone number."
        case .repeatedDigits: "The PIN must not repeat one digit (such as 0000 or 1111)."
        case .straightRun: "The PIN must not be a straight run of digits (such as 1234 or 4321)."
        case .sameAsCardPIN: "The phone PIN must differ from the card's PIN."
        }
    }
}

/// What is known about the holder when a PIN is set, to refuse PINs derived from it.
public struct PINHolderFacts: Sendable, Hashable {
    public var birthDate: CivilDate?
    public var phoneNumbers: [PhoneNumber]
    /// The card PIN, when setting a phone PIN for the same card.
    public var cardPIN: PIN?

    public init(birthDate: CivilDate? = nil, phoneNumbers: [PhoneNumber] = [], cardPIN: PIN? = nil) {
        self.birthDate = birthDate
        self.phoneNumbers = phoneNumbers
        self.cardPIN = cardPIN
    }
}

extension PINHolderFacts {
    /// These facts with the phone number the subject itself names (a line's own number,
    /// an application's mobile number), which a PIN must never end with whether or not
    /// the caller passed it.
    public func including(_ subject: PINSubject) -> PINHolderFacts {
        guard let own = subject.phoneNumber, !phoneNumbers.contains(own) else { return self }
        var facts = self
        facts.phoneNumbers.append(own)
        return facts
    }
}

extension GuessablePIN {
    /// The first rule `pin` breaks, or `nil` when it is acceptable.
    public static func check(_ pin: PIN, kind: PINKind, holder: PINHolderFacts) -> GuessablePIN? {
        let digits = Array(pin.digits.utf8).map { Int($0) - 48 }
        if Set(digits).count == 1 { return .repeatedDigits }
        let steps = zip(digits, digits.dropFirst()).map { ($1 - $0 + 10) % 10 }
        // 0123, 7890 (wrapping), and downwards 3210, 0987.
        if steps.allSatisfy({ $0 == 1 }) || steps.allSatisfy({ $0 == 9 }) { return .straightRun }
        if let birthDate = holder.birthDate, birthdayForms(of: birthDate).contains(pin.digits) { return .birthday }
        if holder.phoneNumbers.contains(where: { $0.lastFourDigits == pin.digits.suffix(4) && pin.digits.count == 4 }) {
            return .phoneNumber
        }
        if kind == .phone, let cardPIN = holder.cardPIN, cardPIN.digits == pin.digits { return .sameAsCardPIN }
        return nil
    }

    /// MMDD, DDMM, YYYY and YYMM of a birth date.
    static func birthdayForms(of date: CivilDate) -> Set<String> {
        func two(_ value: Int) -> String { (value < 10 ? "0" : "") + String(value) }
        let year = String(date.year)
        return [
            two(date.month) + two(date.day), two(date.day) + two(date.month), year,
            String(year.suffix(2)) + two(date.month),
        ]
    }
}
