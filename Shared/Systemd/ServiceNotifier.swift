import CSystemd

/// Tells the service manager about this process's state through `sd_notify(3)`.
///
/// Every call is a no-op when `NOTIFY_SOCKET` is unset, as it is outside systemd.
public struct ServiceNotifier: Sendable {
    public init() {}

    /// `READY=1`: start-up is complete (for `Type=notify` units).
    public func ready(status: String? = nil) {
        send(["READY=1"] + (status.map { ["STATUS=\($0)"] } ?? []))
    }

    /// `STATUS=…`: a one-line human-readable status shown by `systemctl status`.
    public func status(_ text: String) {
        send(["STATUS=\(text)"])
    }

    /// `STOPPING=1`: the service is shutting down.
    public func stopping() {
        send(["STOPPING=1"])
    }

    /// `WATCHDOG=1`: keep-alive ping for `WatchdogSec=`.
    public func watchdogPing() {
        send(["WATCHDOG=1"])
    }

    /// The interval at which the manager expects watchdog pings, or `nil` when the
    /// watchdog is off for this process.
    public var watchdogInterval: Duration? {
        var microseconds: UInt64 = 0
        guard sd_watchdog_enabled(0, &microseconds) > 0, microseconds > 0 else { return nil }
        return .microseconds(Int64(microseconds))
    }

    private func send(_ assignments: [String]) {
        _ = sd_notify(0, assignments.joined(separator: "\n"))
    }
}
