import JSONRPC
import MadoguchiModels
import ServiceContract

/// The contract records dataset: `contracts.import.begin|rows|commit`.
public enum ContractRecords: ImportKind {
    public static let name = "contracts"
    public static let rowSummary =
        "customerNumber, name (kanji), kana, birthDate, phoneNumbers, email, postalCode, address, iccids, services; lists as JSON arrays or ;-separated"
}

/// A contract as the operator sees it.
@WireObject
public struct ContractSummary: Codable, Sendable, Hashable {
    public var customerNumber: String
    public var name: String
    public var kana: String
    @WireSchema(.string(format: "date"))
    public var birthDate: String
    @WireSchema(.array(of: .string()))
    public var phoneNumbers: [String]
    public var email: String?
    public var postalCode: String?
    public var address: String?
    @WireSchema(.array(of: .string()))
    public var iccids: [String]
    @WireSchema(.array(of: .string()))
    public var services: [String]
    public var myPageAccountId: String?
}

/// `contracts.show`: one contract record (operators only).
public enum ContractShow: RPCMethod {
    public static let name = "contracts.show"
    public static let access = MethodAccess.operator
    public static let summary = "Operators only: a contract record by customer number, with its My Page account ID if any."

    @WireObject
    public struct Params: Codable, Sendable, Hashable {
        public var customerNumber: CustomerNumber
    }
    public typealias Result = ContractSummary
    public static var errors: [RPCError] { [RegistrationError.detailsMismatch.rpcError] }
}
