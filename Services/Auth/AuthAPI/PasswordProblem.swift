/// Why a password is refused; each has a stable `reason`.
public enum PasswordProblem: Error, Sendable, Hashable {
    case length(ClosedRange<Int>)
    case characters
    case kinds(Int)
    case containsLoginID
    case common

    /// One of each problem, as `rpc.discover` lists them.
    public static let examples: [PasswordProblem] = [.length(8...16), .characters, .kinds(2), .containsLoginID, .common]

    public var reason: AuthError.Reason {
        switch self {
        case .length: .passwordLength
        case .characters: .passwordCharacters
        case .kinds: .passwordKinds
        case .containsLoginID: .passwordContainsLoginId
        case .common: .passwordTooCommon
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
