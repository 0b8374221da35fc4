/// Why a password is refused; each has a stable `reason`.
public enum PasswordProblem: Error, Sendable, Hashable {
    case length(ClosedRange<Int>)
    case characters
    case kinds(Int)
    case containsLoginID
    case common

    public var reason: String {
        switch self {
        case .length: "password_length"
        case .characters: "password_characters"
        case .kinds: "password_kinds"
        case .containsLoginID: "password_contains_login_id"
        case .common: "password_too_common"
        }
    }

    public var message: String {
        switch self {
        case .length(let range): "A password has \(range.lowerBound) to \(range.upperBound) characters."
        case .characters: "A password uses half-width letters and digits only."
        case .kinds(let count): "A password mixes at least \(count) of upper case, lower case and digits."
        case .containsLoginID: "A password must not contain the login ID."
        case .common: "This password is too common; choose another."
        }
    }
}
