/// Why a service will not start on the state it was given, worded for the operator who
/// must act on it: what is wrong, that nothing was changed, and what to do.
///
/// The process exits with `exitCode` (78, `EX_CONFIG`), which the unit lists in
/// `RestartPreventExitStatus=`: restarting cannot cure a lost key or a damaged database.
public struct StartupRefusal: Error, CustomStringConvertible, Sendable {
    /// The whole log line: the fault, then what to do.
    public let description: String

    /// `EX_CONFIG` from sysexits.h.
    public static let exitCode: Int32 = 78

    /// A refusal logged as `description`.
    public init(_ description: String) {
        self.description = description
    }
}
