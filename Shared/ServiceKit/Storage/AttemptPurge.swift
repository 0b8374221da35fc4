import Logging
import ServiceLifecycle

/// The background job that forgets throttle counts whose window has ended
/// (`AttemptStore.purge(endedBy:)`), once a minute on the service clock's "now": keys are
/// made per caller and origin, so without it the table grows with every address that ever
/// got a PIN or a password wrong. On PostgreSQL every host runs it; a row is deleted once.
struct AttemptPurge: Service {
    let store: any AttemptStore
    let clock: any ServiceClock
    let logger: Logger
    var interval: Duration = .seconds(60)

    func run() async throws {
        await repeatUntilShutdown(every: interval) {
            do {
                let purged = try await store.purge(endedBy: clock.now())
                if purged > 0 { logger.debug("ended throttle windows purged", metadata: ["count": "\(purged)"]) }
            } catch {
                logger.error("purging ended throttle windows failed", metadata: ["error": "\(error)"])
            }
        }
    }
}
