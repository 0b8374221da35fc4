/// The refusals a service sends, as a type: one case per `data.reason`, each with its code,
/// declared once. Callers match an answer by value (`refusal.is(AuthError.Reason.pinLocked)`),
/// never by comparing strings, and the contract test reads `allCases` to check that every
/// reason is declared by a method and documented in docs/errors.md.
public protocol ErrorReason: RawRepresentable, CaseIterable, Sendable, Hashable where RawValue == String {
    /// The error code answered with this reason.
    var code: ErrorCode { get }
}

extension RPCError {
    /// An error answering `reason` with its code, and `details` beside it in `data`.
    public init<Reason: ErrorReason>(_ reason: Reason, message: String, details: [String: JSONValue] = [:]) {
        self.init(code: reason.code, message: message, reason: reason.rawValue, details: details)
    }

    /// Whether this error is `reason`: its code and `data.reason` both.
    public func `is`<Reason: ErrorReason>(_ reason: Reason) -> Bool {
        code == reason.code && self.reason == reason.rawValue
    }
}

extension ErrorCode: ExpressibleByIntegerLiteral {
    /// A code written as a number where its reasons are declared.
    public init(integerLiteral value: Int) { self.init(value) }
}
