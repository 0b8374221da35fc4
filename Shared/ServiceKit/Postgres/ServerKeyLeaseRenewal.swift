import Logging
import ServiceLifecycle

/// Renews the process's `ServerKeyLease` every `ServerKeyLease.renewalInterval` until
/// the service stops. A renewal that fails is tried again at the next interval (and by
/// the next call that finds the claim lapsed); a version found retired is said once, as
/// an error: the host must be restarted with the newer key.
struct ServerKeyLeaseRenewal: Service {
    let lease: ServerKeyLease
    let logger: Logger

    func run() async {
        // The start took the claim (`claimKey`): the first renewal is due an interval later.
        try? await cancelWhenGracefulShutdown { try await Task.sleep(for: ServerKeyLease.renewalInterval) }
        var saidRetired = false
        await repeatUntilShutdown(every: ServerKeyLease.renewalInterval) {
            do {
                try await lease.renew()
            } catch let retired as ServerKeyRetired {
                if !saidRetired { logger.error("\(retired)") }
                saidRetired = true
            } catch {
                logger.warning("the claim on the server key was not renewed", metadata: ["error": "\(error)"])
            }
        }
    }
}
