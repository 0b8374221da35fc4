import ServiceLifecycle
import Systemd

/// Sends `WATCHDOG=1` at half the interval systemd expects (`WatchdogSec=`), so a hung
/// process is restarted.
struct WatchdogService: Service {
    let notifier: ServiceNotifier
    let interval: Duration

    func run() async throws {
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            notifier.watchdogPing()
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval / 2) }
        }
    }
}
