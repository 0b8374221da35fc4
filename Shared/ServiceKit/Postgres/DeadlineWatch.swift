import Synchronization

/// The time limits of the PostgreSQL calls in flight, watched by one sleeping task for
/// all of them rather than a timer each.
///
/// A timer per query (a sleeping task) armed and cancelled a Dispatch timer on every
/// query: a task created, a `timerfd_settime` and a wake-up of Dispatch's timer thread.
/// Calls end long before their limits, so one task sleeping until the earliest limit,
/// woken again only when a call with an earlier limit arrives, serves every call: a
/// third fewer thread switches per PIN check on PostgreSQL (BENCHMARKS.md; its CPU and
/// rate moved within that machine's noise).
final class DeadlineWatch: Sendable {
    /// The process's watch: every `classifyingFaults` call registers with it.
    static let shared = DeadlineWatch()

    /// What to do when a call's limit passes before it ends.
    typealias Expiry = @Sendable () -> Void

    private struct Watched {
        let deadline: ContinuousClock.Instant
        let expire: Expiry
    }

    private struct State {
        var nextID = 0
        var watched: [Int: Watched] = [:]
        /// The deadline the sleeping task wakes at, and which arming it was (a task woken
        /// after a later arming replaced it does nothing).
        var wakeAt: ContinuousClock.Instant?
        var arming = 0
        var sleeper: Task<Void, Never>?
    }

    private let state = Mutex(State())

    /// Watches a call that must end by `deadline`; `expire` runs once if it has not been
    /// `forget`-ten by then. Returns the call's ticket for `forget`.
    func watch(until deadline: ContinuousClock.Instant, expire: @escaping Expiry) -> Int {
        state.withLock { state in
            let id = state.nextID
            state.nextID += 1
            state.watched[id] = Watched(deadline: deadline, expire: expire)
            if let wakeAt = state.wakeAt, wakeAt <= deadline { return id }
            arm(&state, at: deadline)
            return id
        }
    }

    /// The call of `ticket` ended: its limit no longer matters.
    func forget(_ ticket: Int) {
        _ = state.withLock { $0.watched.removeValue(forKey: ticket) }
    }

    /// How many calls are watched (for tests).
    var watchedCount: Int { state.withLock { $0.watched.count } }

    private func arm(_ state: inout State, at deadline: ContinuousClock.Instant) {
        state.sleeper?.cancel()
        state.arming += 1
        state.wakeAt = deadline
        let arming = state.arming
        // Detached: a sleeper outlives the call that armed it, and must not carry that
        // call's task-locals and priority to every later one. A small tolerance: Darwin's
        // default leeway is a tenth of the interval, late for a short limit behind a long one.
        state.sleeper = Task.detached { [self] in
            guard (try? await Task.sleep(until: deadline, tolerance: .milliseconds(10), clock: .continuous)) != nil else { return }
            wake(arming: arming)
        }
    }

    /// Expires every call past its limit and sleeps again until the next one's, if any.
    private func wake(arming: Int) {
        let now = ContinuousClock.now
        let expired = state.withLock { state -> [Expiry] in
            guard state.arming == arming else { return [] }
            var expired: [Watched] = []
            var next: ContinuousClock.Instant?
            for (id, watched) in state.watched {
                if watched.deadline <= now {
                    expired.append(watched)
                    state.watched[id] = nil
                } else if next.map({ watched.deadline < $0 }) ?? true {
                    next = watched.deadline
                }
            }
            // This sleeper is ending: the next one replaces it rather than cancelling it.
            state.sleeper = nil
            if let next {
                arm(&state, at: next)
            } else {
                state.wakeAt = nil
            }
            // Earliest first, as they would have expired had the wake-up not been late.
            return expired.sorted { $0.deadline < $1.deadline }.map(\.expire)
        }
        for expire in expired { expire() }
    }
}
