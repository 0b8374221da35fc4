import JSONRPC
import MadoguchiModels
import ServiceContract

/// The ISP contracts dataset: `ispContracts.import.begin|rows|commit`. Rows never carry a
/// password (a staged row is kept in clear until the commit); `ispContracts.setPassword`
/// hands one to madoguchi-auth.
public enum ISPContractRecords: ImportKind {
    public static let name = "ispContracts"
    public static let rowSummary =
        "customerNumber (N + 9 digits), description, email (the ISP address), phoneNumber (on file), phoneKind (mobile or landline), holderName"
}

/// Params naming an ISP contract by its customer number.
@WireObject
public struct ISPContractParams: Codable, Sendable, Hashable {
    public var customerNumber: ISPCustomerNumber
}

extension ISPCustomerNumber: JSONSchemaDescribing {
    public static var jsonSchema: JSONSchema { .string(pattern: "^[Nn][0-9]{9}$") }
}

/// `ispContracts.setPassword`: an ISP contract's password, held by madoguchi-auth.
public enum ISPContractSetPassword: RPCMethod {
    public static let name = "ispContracts.setPassword"
    public static let access = MethodAccess.operator
    public static let summary =
        "Operators only: sets an ISP contract's login password (held by madoguchi-auth, realm isp); the ISP's own systems call it when the customer sets one there."

    @WireObject
    public struct Params: Codable, Sendable, Hashable {
        public var customerNumber: ISPCustomerNumber
        public var password: String
    }
    public typealias Result = Done
    public static var errors: [RPCError] { [LinkingError.ispContractNotFound.rpcError] }
}

/// A plain acknowledgement.
@WireObject
public struct Done: Codable, Sendable, Hashable {
    public var ok: Bool = true
}
