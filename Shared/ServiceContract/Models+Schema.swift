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
    public static var jsonSchema: JSONSchema { .string(pattern: "^[2-9A-HJ-NP-Za-hj-np-z]{13}$", description: "13-character reception number (no 0, 1, I, O; the last is a check character).") }
}

extension AccountID: JSONSchemaDescribing {
    public static var jsonSchema: JSONSchema {
        .string(
            pattern: "^[!-~！-～]{5,30}$",
            description: "My Page account ID: 5-30 letters, digits and symbols, no spaces; full-width ones are read as half-width (ｔａｒｏ１ is taro1); case-insensitive.")
    }
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

extension CivilDate: JSONSchemaDescribing {
    public static var jsonSchema: JSONSchema { .string(format: "date") }
}

extension KanaName: JSONSchemaDescribing {
    public static var jsonSchema: JSONSchema {
        .string(description: "Name in full-width katakana, family and given name separated by a space; half-width katakana is normalised.")
    }
}

extension PersonName: JSONSchemaDescribing {
    public static var jsonSchema: JSONSchema { .string(description: "A name as written (kanji, kana or Latin).") }
}

extension ICCID: JSONSchemaDescribing {
    public static var jsonSchema: JSONSchema { .string(pattern: "^89[0-9 -]{17,24}$", description: "SIM ICCID (19 or 20 digits, Luhn check digit).") }
}
