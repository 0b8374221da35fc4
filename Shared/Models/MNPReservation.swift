/// A mobile number portability (MNP) reservation: the 10-digit number the losing carrier
/// issues, valid for 15 days counting the day of issue. A port-in application carries it,
/// and the line can be switched over only while it holds.
public struct MNPReservation: Hashable, Sendable {
    /// Ten half-width digits.
    public let number: String
    /// The day the losing carrier issued it (Japan time).
    public let issuedOn: CivilDate

    /// Days a reservation is valid, the day of issue included.
    public static let validDays = 15

    public init(number text: String, issuedOn: CivilDate) throws(ModelValidationError) {
        let digits = HalfWidth.normalize(text).filter { $0 != "-" && $0 != " " }
        guard digits.count == 10, HalfWidth.isDigits(digits) else {
            throw ModelValidationError(
                field: "mnpReservationNumber", reason: "invalid_mnp_reservation",
                message: "An MNP reservation number has 10 digits.")
        }
        number = digits
        self.issuedOn = issuedOn
    }

    /// The last day the reservation holds.
    public var lastValidDay: CivilDate { issuedOn.adding(days: Self.validDays - 1) }

    /// Whether the reservation still holds on `day`.
    public func holds(on day: CivilDate) -> Bool { day <= lastValidDay }
}
