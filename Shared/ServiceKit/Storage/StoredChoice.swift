/// A state stored as its raw value, read back as the choice it names: a value this build
/// does not know (a newer build's, or damage) makes the record unreadable — never taken
/// for some default, as `?? .voice` would.
public enum StoredChoice {
    /// The choice `raw` names; `field` names the column in the error.
    public static func read<C: RawRepresentable<String>>(_ raw: String, field: String) throws -> C {
        guard let choice = C(rawValue: raw) else { throw UnreadableStoredValue(field: field) }
        return choice
    }
}

/// A stored value this build cannot read; the call is refused rather than answered from
/// a guess.
public struct UnreadableStoredValue: Error, CustomStringConvertible {
    public let field: String
    public var description: String { "A stored \(field) cannot be read." }
}
