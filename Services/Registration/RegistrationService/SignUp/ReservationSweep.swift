import Foundation
import Logging
import ServiceKit
import ServiceLifecycle

/// Removes the ID reservations of sign-ups cut off between reserving the ID and sending
/// the mail (a crash, a host lost): a sign-up moves on from its reservation within its
/// peer budget, so one older than `cutOffAge` will never be confirmed. On PostgreSQL
/// this is how a dead host's reservations go, since the other hosts keep running; a
/// SQLite file's every reservation also goes at start (`RegistrationStores`).
struct ReservationSweep: Service {
    let store: any AccountStore
    let clock: any ServiceClock
    let logger: Logger

    static let cutOffAge: TimeInterval = 600

    func run() async throws {
        await repeatUntilShutdown(every: .seconds(60)) {
            do {
                try await store.removeReservations(madeBefore: clock.now().addingTimeInterval(-Self.cutOffAge))
            } catch {
                logger.warning("Removing cut-off sign-up reservations failed; will retry.", metadata: ["error": "\(error)"])
            }
        }
    }
}
