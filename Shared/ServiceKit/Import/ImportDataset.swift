import Foundation
import GRDB
import JSONRPC
import MadoguchiModels
import ServiceContract

/// A kind of record an operator imports from a file (contracts, statements, ISP
/// contracts): how one row's fields become a typed row, and how a row is applied.
///
/// Imports are all-or-nothing per file: every row is parsed first, and only a file with
/// no rejected row is applied, in one transaction. Applying the same file again changes
/// nothing (rows are keyed, and an unchanged row stays as it is).
public protocol ImportDataset: Sendable {
    associatedtype Kind: ImportKind
    associatedtype Row: Sendable

    /// The typed row, or an `ImportRowProblem` (or `ModelValidationError`) naming the field.
    func parse(_ fields: ImportFields) throws -> Row
    /// What identifies the row within a file; a second row with the same key is refused.
    func key(of row: Row) -> String
    /// The row as it waits in the staging table between the check and the commit: by
    /// default its `Codable` JSON (`JSONCoding.encoder`, sorted keys); a dataset of large
    /// rows may write the same text faster.
    func staged(_ row: Row) throws -> Data
    /// Inserts or replaces a row from its staged form, which a dataset may store as is
    /// or compare with what it holds, and read as much of as it needs. Throwing an
    /// `ImportRowProblem` refuses the row (it clashes with stored data) and so the file.
    func apply(staged: Data, in db: Database) throws -> ImportOutcome
}

extension ImportDataset where Row: Codable {
    public func staged(_ row: Row) throws -> Data { try JSONCoding.encoder.encode(row) }
    /// The row back from its default staged form.
    public func row(staged: Data) throws -> Row { try JSONCoding.decoder.decode(Row.self, from: staged) }
}

/// What applying one row did.
public enum ImportOutcome: Sendable {
    case inserted, updated, unchanged
}

/// Why one row is refused.
public struct ImportRowProblem: Error, Sendable, Hashable, Codable {
    public var field: String?
    public var reason: String
    public var message: String

    public init(field: String?, reason: String, message: String) {
        self.field = field
        self.reason = reason
        self.message = message
    }
}

/// The fields of one row, by column name: strings from CSV; strings, numbers, arrays or
/// objects from JSON lines.
public struct ImportFields: Sendable {
    public let values: [String: JSONValue]

    public init(_ values: [String: JSONValue]) {
        self.values = values
    }

    /// A required text field, trimmed.
    public func text(_ name: String) throws(ImportRowProblem) -> String {
        guard let value = optionalText(name) else {
            throw ImportRowProblem(field: name, reason: "missing_field", message: "\(name) is required.")
        }
        return value
    }

    /// An optional text field: absent, null or blank is `nil`; numbers are taken as text.
    public func optionalText(_ name: String) -> String? {
        let text: String? =
            switch values[name] {
            case .string(let string): string
            case .int(let number): String(number)
            case .double(let number): String(number)
            default: nil
            }
        guard let text, !text.isEmpty else { return nil }
        // Most fields need no trimming; Foundation's trim costs more than the check.
        guard text.first!.isWhitespace || text.last!.isWhitespace else { return text }
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        return trimmed.isEmpty ? nil : trimmed
    }

    /// A list: a JSON array of strings, or text separated by `;` (the CSV form).
    public func list(_ name: String) -> [String] {
        switch values[name] {
        case .array(let items):
            return items.compactMap(\.stringValue).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        default:
            return (optionalText(name) ?? "").split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
                .filter { !$0.isEmpty }
        }
    }

    /// A required whole number: a JSON integer, or digits with an optional minus sign
    /// (thousands separators and full-width digits accepted, as spreadsheets write them).
    public func integer(_ name: String, in range: ClosedRange<Int64>) throws(ImportRowProblem) -> Int64 {
        let number: Int64?
        switch values[name] {
        case .int(let value): number = value
        case .string(let text):
            let cleaned = HalfWidth.normalize(text).trimmingCharacters(in: .whitespaces).filter { $0 != "," }
            number = Int64(cleaned)
        case nil, .null: throw ImportRowProblem(field: name, reason: "missing_field", message: "\(name) is required.")
        default: number = nil
        }
        guard let number else {
            throw ImportRowProblem(field: name, reason: "not_a_whole_number", message: "\(name) is a whole number.")
        }
        guard range.contains(number) else {
            throw ImportRowProblem(
                field: name, reason: "out_of_range",
                message: "\(name) must be between \(range.lowerBound) and \(range.upperBound).")
        }
        return number
    }

    /// An optional whole number (see `integer`).
    public func optionalInteger(_ name: String, in range: ClosedRange<Int64>) throws(ImportRowProblem) -> Int64? {
        switch values[name] {
        case nil, .null: return nil
        case .string(let text) where text.trimmingCharacters(in: .whitespaces).isEmpty: return nil
        default: return try integer(name, in: range)
        }
    }

    /// A list of objects (a JSON array of objects), each as fields of its own.
    public func objects(_ name: String) throws(ImportRowProblem) -> [ImportFields] {
        switch values[name] {
        case nil, .null: return []
        case .array(let items):
            var objects: [ImportFields] = []
            for item in items {
                guard case .object(let fields) = item else {
                    throw ImportRowProblem(field: name, reason: "invalid_list", message: "\(name) is a list of objects.")
                }
                objects.append(ImportFields(fields))
            }
            return objects
        default:
            throw ImportRowProblem(field: name, reason: "invalid_list", message: "\(name) is a list of objects.")
        }
    }

    /// Refuses a field that is not one of `known`.
    public func refuseUnknown(_ known: Set<String>, kind: String) throws(ImportRowProblem) {
        // Sorted only when there is one to name: this runs for every row and item.
        if values.keys.contains(where: { !known.contains($0) }),
            let unknown = values.keys.sorted().first(where: { !known.contains($0) })
        {
            throw ImportRowProblem(field: unknown, reason: "unknown_field", message: "\(unknown) is not \(kind) field.")
        }
    }

    /// A required validated value.
    public func value<V: StringRepresentedValue>(_ name: String, as type: V.Type = V.self) throws -> V {
        try Self.validate(text(name), as: V.self, field: name)
    }

    /// An optional validated value.
    public func optionalValue<V: StringRepresentedValue>(_ name: String, as type: V.Type = V.self) throws -> V? {
        try optionalText(name).map { try Self.validate($0, as: V.self, field: name) }
    }

    /// Every entry of a list, validated.
    public func values<V: StringRepresentedValue>(_ name: String, as type: V.Type = V.self) throws -> [V] {
        try list(name).map { try Self.validate($0, as: V.self, field: name) }
    }

    static func validate<V: StringRepresentedValue>(_ text: String, as type: V.Type, field: String) throws -> V {
        do {
            return try V(validating: text)
        } catch {
            throw ImportRowProblem(field: field, reason: error.reason, message: error.message)
        }
    }
}
