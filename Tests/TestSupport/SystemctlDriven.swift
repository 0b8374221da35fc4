import Foundation

/// A systemd manager a test drives through `systemctl` (a user manager, or the system
/// manager of a throw-away machine).
public protocol SystemctlDriven: Sendable {
    /// `systemctl ARGS` against this manager.
    @discardableResult
    func systemctl(_ arguments: [String]) async throws -> (status: Int32, stdout: String, stderr: String)
}

extension SystemctlDriven {
    /// One property of a unit (`systemctl show -p NAME --value`).
    public func property(_ name: String, of unit: String) async throws -> String {
        try await systemctl(["show", "--property=\(name)", "--value", unit]).stdout
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Waits until `unit`'s property has `value`.
    public func wait(for unit: String, _ name: String, toBe value: String, timeout: Duration = .seconds(15)) async throws {
        try await waitUntil("\(unit) \(name)=\(value)", timeout: timeout) {
            try await property(name, of: unit) == value
        }
    }
}
