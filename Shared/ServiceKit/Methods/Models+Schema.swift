import JSONRPC
import MadoguchiModels

// The JSON forms of the shared models, for discovery.

extension CustomerNumber: JSONSchemaDescribing {
    public static var jsonSchema: JSONSchema { .string(pattern: "^[0-9０-９]{1,20}$", description: "Customer number; leading zeros are ignored.") }
}

extension PhoneNumber: JSONSchemaDescribing {
    public static var jsonSchema: JSONSchema { .string(description: "Japanese phone number; full-width digits and hyphens are normalised.") }
}

extension PIN: JSONSchemaDescribing {
    public static var jsonSchema: JSONSchema { .string(pattern: "^[0-9]{4,8}$", description: "PIN digits (secret).") }
}

extension ReceptionNumber: JSONSchemaDescribing {
    public static var jsonSchema: JSONSchema { .string(pattern: "^[0-9A-Za-z]{13}$", description: "13-character reception number.") }
}

extension AccountID: JSONSchemaDescribing {
    public static var jsonSchema: JSONSchema { .string(pattern: "^[!-~]{5,30}$", description: "My Page account ID, case-insensitive.") }
}

extension Yen: JSONSchemaDescribing {
    public static var jsonSchema: JSONSchema { .integer(description: "Amount in yen.") }
}

extension EmailAddress: JSONSchemaDescribing {
    public static var jsonSchema: JSONSchema { .string(format: "email") }
}

extension BillingMonth: JSONSchemaDescribing {
    public static var jsonSchema: JSONSchema { .string(pattern: "^[0-9]{4}-[0-9]{2}$", description: "Billing month YYYY-MM.") }
}
