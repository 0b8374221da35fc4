import JSONRPC
import MadoguchiModels
import ServiceKit

/// The contract records dataset: `contracts.import.begin|rows|commit`.
public enum ContractRecords: ImportKind {
    public static let name = "contracts"
    public static let rowSummary =
        "customerNumber, name (kanji), kana, birthDate, phoneNumbers, email, postalCode, address, iccids, services; lists as JSON arrays or ;-separated"
}

/// A contract as the operator sees it.
public struct ContractSummary: Codable, Sendable, Hashable, JSONSchemaDescribing {
    public var customerNumber: String
    public var name: String
    public var kana: String
    public var birthDate: String
    public var phoneNumbers: [String]
    public var email: String?
    public var postalCode: String?
    public var address: String?
    public var iccids: [String]
    public var services: [String]
    public var myPageAccountId: String?

    public init(
        customerNumber: String, name: String, kana: String, birthDate: String, phoneNumbers: [String], email: String?,
        postalCode: String?, address: String?, iccids: [String], services: [String], myPageAccountId: String?
    ) {
        self.customerNumber = customerNumber
        self.name = name
        self.kana = kana
        self.birthDate = birthDate
        self.phoneNumbers = phoneNumbers
        self.email = email
        self.postalCode = postalCode
        self.address = address
        self.iccids = iccids
        self.services = services
        self.myPageAccountId = myPageAccountId
    }

    public static var jsonSchema: JSONSchema {
        .object(
            [
                "customerNumber": .string(), "name": .string(), "kana": .string(), "birthDate": .string(format: "date"),
                "phoneNumbers": .array(of: .string()), "email": .string(), "postalCode": .string(), "address": .string(),
                "iccids": .array(of: .string()), "services": .array(of: .string()), "myPageAccountId": .string(),
            ],
            required: ["customerNumber", "name", "kana", "birthDate", "phoneNumbers", "iccids", "services"])
    }
}

/// `contracts.show`: one contract record (operators only).
public enum ContractShow: RPCMethod {
    public static let name = "contracts.show"
    public static let summary = "Operators only: a contract record by customer number, with its My Page account ID if any."

    public struct Params: Codable, Sendable, Hashable, JSONSchemaDescribing {
        public var customerNumber: CustomerNumber
        public init(customerNumber: CustomerNumber) { self.customerNumber = customerNumber }
        public static var jsonSchema: JSONSchema {
            .object(["customerNumber": CustomerNumber.jsonSchema], required: ["customerNumber"])
        }
    }
    public typealias Result = ContractSummary
    public static var errors: [RPCError] { [.operatorOnly, RegistrationError.detailsMismatch.rpcError] }
}
