import MadoguchiModels

/// What a PIN belongs to: a line (`line:09012345678`), a contract (`contract:12345`), a
/// card (`card:…`). Opaque to the auth service beyond its shape: 1–64 characters of
/// letters, digits and `:._-`.
public struct PINSubject: Hashable, Sendable, StringRepresentedValue, CustomStringConvertible {
    public let value: String

    public init(validating text: String) throws(ModelValidationError) {
        guard (1...64).contains(text.utf8.count),
            text.utf8.allSatisfy({ byte in
                (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
                    || [0x3A, 0x2E, 0x5F, 0x2D].contains(byte)
            })
        else {
            throw ModelValidationError(
                field: "subject", reason: "invalid_subject",
                message: "A subject is 1 to 64 letters, digits and the characters : . _ -")
        }
        value = text
    }

    public var canonicalText: String { value }
    public var description: String { value }
}

extension PINSubject {
    /// The network PIN of an active line: `line:<digits>`.
    public static func line(_ phone: PhoneNumber) -> PINSubject {
        PINSubject(trusted: "line:\(phone.digits)")
    }

    /// The network PIN of an application: reception number and the mobile number given
    /// with it, so that a wrong pairing finds no PIN at all.
    public static func application(_ reception: ReceptionNumber, _ phone: PhoneNumber) -> PINSubject {
        PINSubject(trusted: "application:\(reception.value):\(phone.digits)")
    }

    /// The reception number and phone of an application subject (or session principal).
    public static func applicationParts(of text: String) -> (ReceptionNumber, PhoneNumber)? {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == "application",
            let reception = try? ReceptionNumber(validating: String(parts[1])),
            let phone = try? PhoneNumber(validating: String(parts[2]))
        else { return nil }
        return (reception, phone)
    }

    /// The phone number the subject names: a line's own number (`line:<digits>`), or the
    /// mobile number given with an application; nil for any other subject.
    public var phoneNumber: PhoneNumber? {
        if value.hasPrefix("line:") { return try? PhoneNumber(validating: String(value.dropFirst("line:".count))) }
        return Self.applicationParts(of: value)?.1
    }

    /// Built from parts that already satisfy the shape (digits, letters and `:`).
    private init(trusted text: String) {
        value = text
    }
}
