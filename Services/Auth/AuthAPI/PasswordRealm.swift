import JSONRPC

/// Which kind of login a password belongs to. Login IDs of different realms never meet:
/// a carrier ID spelt like an ISP customer number cannot touch that contract's password.
public enum PasswordRealm: String, Codable, Sendable, CaseIterable, JSONSchemaDescribing {
    /// My Page accounts and carrier IDs (account ID or e-mail address).
    case login
    /// ISP contracts, by ISP customer number (`N123456789`), held for madoguchi-linking.
    case isp

    /// The audit subject of a login ID in this realm.
    public func subject(_ loginID: LoginID) -> String {
        switch self {
        case .login: "login:\(loginID.value)"
        case .isp: "isp:\(loginID.value)"
        }
    }

    public static var jsonSchema: JSONSchema { .enumeration(allCases.map(\.rawValue)) }
}
