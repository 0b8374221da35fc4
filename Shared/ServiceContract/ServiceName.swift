/// The Madoguchi services: the one list every part reads. Package.swift names the same
/// folders; the peers, `madoctl`, the tests and the fuzzer use these cases; the compose
/// scripts and the installed target read `madoctl services`, which prints them. README
/// "Adding a service" lists every file a sixth one touches.
public enum ServiceName: String, CaseIterable, Sendable, Hashable, Codable, CustomStringConvertible {
    case auth, registration, billing, linking, lines

    /// The executable, and the unit instance's program: `madoguchi-auth`.
    public var executable: String { "madoguchi-\(rawValue)" }
    /// The socket's file name in the runtime folder: `auth.sock`.
    public var socketFile: String { rawValue + ".sock" }
    public var description: String { rawValue }
}
