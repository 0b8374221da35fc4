import AuthAPI

/// The operator's published password rule (My Page): 8–16 letters and digits with at
/// least two of upper case, lower case and digits; not containing the account ID; not one
/// of the most common passwords.
public struct PasswordPolicy: Sendable, Hashable {
    public var lengths = 8...16
    public var minimumKinds = 2

    public init() {}

    /// Why `password` is refused, or `nil`.
    public func problem(with password: String, loginID: LoginID) -> PasswordProblem? {
        guard lengths.contains(password.count) else { return .length(lengths) }
        let bytes = Array(password.utf8)
        guard bytes.count == password.count,
            bytes.allSatisfy({ (0x30...0x39).contains($0) || (0x41...0x5A).contains($0) || (0x61...0x7A).contains($0) })
        else { return .characters }
        let kinds = [
            bytes.contains { (0x41...0x5A).contains($0) }, bytes.contains { (0x61...0x7A).contains($0) },
            bytes.contains { (0x30...0x39).contains($0) },
        ].filter { $0 }.count
        guard kinds >= minimumKinds else { return .kinds(minimumKinds) }
        let lowered = password.lowercased()
        let account = loginID.value.split(separator: "@").first.map(String.init) ?? loginID.value
        if account.count >= 3, lowered.contains(account) { return .containsLoginID }
        if Self.commonPasswords.contains(lowered) { return .common }
        return nil
    }

    /// Common passwords that the character rule alone would let through (lower case).
    static let commonPasswords: Set<String> = [
        "password1", "password12", "password123", "passw0rd", "abc12345", "abcd1234", "a1b2c3d4", "qwerty123",
        "qwerty12", "qwer1234", "1qaz2wsx", "zaq12wsx", "1q2w3e4r", "q1w2e3r4", "1q2w3e4r5t", "asdf1234",
        "test1234", "admin123", "pass1234", "aa123456", "12345678a", "a12345678", "123456789a", "1234qwer",
        "qazwsx123", "trustno1", "baseball1", "sunshine1", "iloveyou1", "princess1", "football1", "welcome1",
        "dragon12", "master12", "letmein1", "monkey12", "superman1", "michael1", "shadow12", "jordan23",
        "asdfghjkl1", "zxcvbnm1", "1234abcd", "abc123456", "password01", "hello123", "qwerty1234",
    ]
}
