import JSONRPC
import Testing

/// `@WireObject` writes a struct's memberwise initialiser and schema from its fields.
@Suite struct WireObjectTests {
    @WireObject
    struct Greeting: Codable, Sendable, Hashable {
        /// Who is greeted.
        var name: String
        var times: Int = 1
        @WireSchema(.string(pattern: "^[a-z]{2}$"))
        var language: String?
        var tags: [String]?
        private enum CodingKeys: String, CodingKey {
            case name, times, language = "lang", tags
        }
    }

    @WireObject(description: "A rule between the members.", memberwise: false)
    struct Validated: Codable, Sendable {
        var value: Int
        init(value: Int) throws {
            guard value > 0 else { throw RPCError.invalidParams("positive", reason: "invalid_value") }
            self.value = value
        }
    }

    @Test func theInitialiser_takesEveryField_optionalsAndInitialValuesDefaulted() {
        let greeting = Greeting(name: "Taro")
        #expect(greeting.times == 1 && greeting.language == nil && greeting.tags == nil)
        #expect(Greeting(name: "Hanako", times: 2, language: "ja", tags: ["a"]).tags == ["a"])
    }

    @Test func theSchema_isTheFields_withCodingKeysNamesDescriptionsAndOverrides() {
        let schema = Greeting.jsonSchema.json
        #expect(schema["type"] == "object")
        #expect(schema["additionalProperties"] == false)
        #expect(schema["required"] == ["name", "times"])
        let properties = schema["properties"]
        #expect(properties?["name"] == ["type": "string", "description": "Who is greeted."])
        #expect(properties?["times"] == ["type": "integer"])
        // Renamed by CodingKeys; the override replaces String's own schema.
        #expect(properties?["lang"] == ["type": "string", "pattern": "^[a-z]{2}$"])
        #expect(properties?["language"] == nil)
        #expect(properties?["tags"] == ["type": "array", "items": ["type": "string"]])
    }

    @Test func memberwiseFalse_leavesTheStructsOwnInitialiser_andDescribesTheObject() throws {
        #expect(throws: RPCError.self) { try Validated(value: 0) }
        #expect(try Validated(value: 3).value == 3)
        #expect(Validated.jsonSchema.json["description"] == "A rule between the members.")
        #expect(Validated.jsonSchema.json["required"] == ["value"])
    }
}
