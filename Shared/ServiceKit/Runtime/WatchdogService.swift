import ServiceLifecycle
import Systemd

/// Sends `WATCHDOG=1` at half the interval systemd expects (`WatchdogSec=`), so a hung
/// process is restarted.
struct WatchdogService: Service {
    let notifier: ServiceNotifier
    let interval: Duration

    func run() async throws {
        await repeatUntilShutdown(every: interval / 2) { notifier.watchdogPing() }
    }
}
