import JSONRPC

/// Which kind of login a password belongs to. Login IDs of different realms never meet:
/// a carrier ID spelt like an ISP customer number cannot touch that contract's password.
public enum PasswordRealm: String, Codable, Sendable, CaseIterable, JSONSchemaDescribing {
    /// My Page accounts and carrier IDs (account ID or e-mail address).
    case login
    /// ISP contracts, by ISP customer number (`N123456789`), held for madoguchi-linking.
    case isp

    /// What the realm's subjects start with: `login:` (also a password session's
    /// principal), `isp:`.
    public var prefix: String { "\(rawValue):" }

    /// The audit subject (and, for `login`, the session principal) of a login ID.
    public func subject(_ loginID: LoginID) -> String { prefix + loginID.value }
}
