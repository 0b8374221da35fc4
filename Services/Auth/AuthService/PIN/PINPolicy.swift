/// How PINs behave; per operator, from configuration.
public struct PINPolicy: Sendable, Hashable {
    /// Digits a PIN of each kind has.
    public var length: [PINKind: Int] = [.network: 4, .phone: 4, .card: 4]
    /// Consecutive wrong entries that lock a PIN until the next midnight in Tokyo.
    public var maximumFailures = 3

    public init() {}
}
