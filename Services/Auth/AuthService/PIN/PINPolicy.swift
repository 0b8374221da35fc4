import AuthAPI

/// How PINs behave; per operator, from configuration.
public struct PINPolicy: Sendable, Hashable {
    /// Digits a PIN of each kind has.
    public var length: [PINKind: Int] = [.network: 4, .phone: 4, .card: 4]
    /// Consecutive wrong entries that lock a PIN until the next midnight in Tokyo.
    public var maximumFailures = 3
    /// Seconds before a change reaches the network: 0 applies it at once; the MVNO
    /// profile accepts it now and applies it within up to 4 days, then mails the customer.
    public var changeDelay: Double = 0

    public init() {}
}
