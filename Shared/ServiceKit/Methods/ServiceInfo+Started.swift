import Foundation
import JSONRPC
import JSONRPCTransport
import ServiceContract

extension ServiceInfo {
    /// The facts fixed at start-up, from which each answer is made.
    struct Started: Sendable {
        let name: String
        let socketActivated: Bool
        let clock: any ServiceClock
        let clockKind: String
        let openFileLimit: UInt64
        let calls: CallGauge
        let startedAt = ContinuousClock.now

        func info() -> Result {
            let uptime = ContinuousClock.now - startedAt
            return Result(
                name: name, version: MadoguchiVersion.current, pid: getpid(),
                uptimeSeconds: Double(uptime.components.seconds) + Double(uptime.components.attoseconds) / 1e18,
                socketActivated: socketActivated, clock: clockKind, now: ISO8601.tokyo(clock.now()),
                openFileLimit: openFileLimit, callsInFlight: calls.inFlight, peakCallsInFlight: calls.peakInFlight)
        }
    }
}
