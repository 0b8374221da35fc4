import AuthAPI
import Logging
import ServiceKit
import ServiceLifecycle

/// The background job that applies accepted PIN changes when they are due (the MVNO's
/// "within 4 days"), checking the service clock every half second so that a test clock
/// moved past the due time takes effect at once.
struct PendingPINChanges: Service {
    let pins: PINBook
    let logger: Logger

    func run() async throws {
        await repeatUntilShutdown(every: .milliseconds(500)) {
            do {
                let applied = try await pins.applyDueChanges()
                if applied > 0 { logger.info("pending PIN changes applied", metadata: ["count": "\(applied)"]) }
            } catch {
                logger.error("applying pending PIN changes failed", metadata: ["error": "\(error)"])
            }
        }
    }
}
