import AuthAPI
import CoreMetrics
import Foundation
import JSONRPC
import Logging
import NIOConcurrencyHelpers
import ServiceKit

/// Per-subject lockout does not stop one caller trying 1234 on many lines, so failures
/// are also counted per caller across subjects: past `limit` failures within `window`,
/// that caller's checks are refused until the oldest failure ages out. The caller is its
/// uid, or, for a trusted front end that relays many end users, the origin it reports
/// for each (such as the end user's IP address).
///
/// A caller's checks in flight count against its limit with its failures
/// (`admitting`): with `f` failures in the window, at most `limit - f` of its checks run
/// at once, and the rest wait for one of them to end. Checks sent all at once (a burst of
/// 1234 on ten thousand lines) would otherwise each find the caller under its limit
/// before any of them failed. On several hosts each host admits on its own count, so a
/// burst spread over the fleet can pass the limit by what the other hosts have in flight.
///
/// Counted in memory: a restart forgets it, which only gives a caller a fresh window; the
/// per-subject lock, which protects each PIN, is durable. Callers whose failures have all
/// aged out are swept away, so the table holds only the last window's failures. With
/// several hosts (PostgreSQL), each failure is also counted in the store every host
/// shares (`shared`, a fixed window of the same length), and a caller over the limit
/// there is refused on every host: one host's memory alone would let a caller spread
/// its guesses over the fleet.
final class CallerThrottle: Sendable {
    let limit: Int
    let window: TimeInterval
    private let failures = NIOLockedValueBox(Table())
    private let shared: (any AttemptStore)?
    /// Where a shared count the store refused is logged (once per incident).
    private let storageFaults: StorageFaults?

    private struct Table {
        var byCaller: [Caller: [Date]] = [:]
        var recordsSinceSweep = 0
        /// Checks admitted and not yet ended, by caller (no entry at zero).
        var inFlight: [Caller: Int] = [:]
        /// Checks waiting for one of their caller's to end.
        var waiting: [Caller: [CheckedContinuation<Void, Never>]] = [:]

        /// Prunes `caller`'s failures to the window ending `now`; returns them.
        mutating func recentFailures(of caller: Caller, now: Date, window: TimeInterval) -> [Date] {
            let recent = (byCaller[caller] ?? []).filter { now.timeIntervalSince($0) < window }
            byCaller[caller] = recent.isEmpty ? nil : recent
            return recent
        }
    }

    /// Runs `body` as one of `caller`'s checks in flight: refused with `tooManyFailures`
    /// when its failures alone have reached the limit, and waiting while its failures and
    /// its checks in flight together have. `body` records its failure (`recordFailure`)
    /// before it returns, so the checks that waited see it.
    func admitting<T>(_ caller: Caller, now: Date, _ body: () async throws -> T) async throws -> T {
        admission: while true {
            let outcome = failures.withLockedValue { table -> Admission in
                let recent = table.recentFailures(of: caller, now: now, window: window)
                if recent.count >= limit, let first = recent.first { return .refused(until: first.addingTimeInterval(window)) }
                guard recent.count + table.inFlight[caller, default: 0] < limit else { return .waiting }
                table.inFlight[caller, default: 0] += 1
                return .admitted
            }
            switch outcome {
            case .admitted: break admission
            case .refused(let until): throw refusal(until)
            case .waiting: break
            }
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                // A check that ended between the two locks has made room: look again at once.
                let mayRetry = failures.withLockedValue { table -> Bool in
                    let recent = table.recentFailures(of: caller, now: now, window: window)
                    if recent.count >= limit || recent.count + table.inFlight[caller, default: 0] < limit { return true }
                    table.waiting[caller, default: []].append(continuation)
                    return false
                }
                if mayRetry { continuation.resume() }
            }
        }
        defer { end(caller, now: now) }
        // The caller gave up while this waited (answered `unavailable`: not done).
        if CallDeadline.current?.hasPassed == true { throw RPCError.deadlineExceeded() }
        return try await body()
    }

    private enum Admission {
        case admitted, waiting
        case refused(until: Date)
    }

    /// One of `caller`'s checks ended: the check of it that has waited longest looks
    /// again (the slot this one held is the only room made), or, once the caller is
    /// refused outright, every one of them does, to be refused.
    private func end(_ caller: Caller, now: Date) {
        let woken = failures.withLockedValue { table -> [CheckedContinuation<Void, Never>] in
            let left = table.inFlight[caller, default: 1] - 1
            table.inFlight[caller] = left > 0 ? left : nil
            guard var waiting = table.waiting[caller], !waiting.isEmpty else { return [] }
            if table.recentFailures(of: caller, now: now, window: window).count >= limit {
                table.waiting[caller] = nil
                return waiting
            }
            let next = waiting.removeFirst()
            table.waiting[caller] = waiting.isEmpty ? nil : waiting
            return [next]
        }
        for continuation in woken { continuation.resume() }
    }

    /// Failures recorded between two sweeps of callers whose window has passed.
    static let sweepEvery = 1024

    init(limit: Int, window: TimeInterval, shared: (any AttemptStore)? = nil, storageFaults: StorageFaults? = nil) {
        self.limit = limit
        self.window = window
        self.shared = shared
        self.storageFaults = storageFaults
    }

    /// Throws `tooManyFailures` when `caller` is over its limit at `now` on the fleet (with
    /// a shared store; on one host there is nothing more to check). This host's own count
    /// was checked when the call was admitted (`admitting`), within which every check
    /// runs. A shared store out of reach is a storage fault, so the check fails closed.
    func checkFleet(_ caller: Caller, now: Date) async throws {
        if let shared, let until = try await shared.blockedUntil([caller.storeKey: rule], at: now) { throw refusal(until) }
    }

    /// The key under which the fleet counts `caller`'s failures, when they are shared
    /// (nil on one host): for a store that reads the count beside its own record and hands
    /// it to `checkFleet(_:now:count:)`.
    func fleetKey(_ caller: Caller) -> String? { shared == nil ? nil : caller.storeKey }

    /// `checkFleet(_:now:)` with the fleet's count of `caller` already read under
    /// `fleetKey(caller)` (nil: no failures counted).
    func checkFleet(_ caller: Caller, now: Date, count: AttemptCount?) throws {
        if shared != nil, let until = count?.blockedUntil(rule, at: now) { throw refusal(until) }
    }

    /// A refusal, counted.
    private func refusal(_ until: Date) -> AuthError {
        Counter(label: "madoguchi_throttle_refusals_total").increment()
        return .tooManyFailures(retryAfter: until)
    }

    /// Counts a failure of `caller` here and, with a shared store, for the fleet. A shared
    /// count the store refuses is logged as a storage fault and kept here: the check it
    /// belongs to has already failed, and the next check of this caller (which reads the
    /// store) fails closed while the store stays out of reach.
    /// `countedForFleet`: the store already counted it for the fleet in the write of the
    /// failure itself (`fleetFailure`), so only this host's count is left.
    func recordFailure(_ caller: Caller, at now: Date, countedForFleet: Bool = false) async {
        recordHere(caller, at: now)
        guard let shared, !countedForFleet else { return }
        do {
            try await shared.add([caller.storeKey: AttemptStoreFailures(rule: rule, count: 1)], at: now)
        } catch {
            _ = storageFaults?.record(error)
        }
    }

    /// A failure of `caller` at `now` as the fleet's shared store counts it, for a store
    /// that writes it with the failure itself; nil on one host (no shared store).
    func fleetFailure(_ caller: Caller, at now: Date) -> FleetFailure? {
        shared == nil ? nil : FleetFailure(key: caller.storeKey, failures: AttemptStoreFailures(rule: rule, count: 1), at: now)
    }

    private var rule: AttemptThrottle.Rule { AttemptThrottle.Rule(limit: limit, window: window) }

    func recordHere(_ uid: Caller, at now: Date) {
        let reachedLimit = failures.withLockedValue { table in
            table.byCaller[uid, default: []].append(now)
            let recent = table.byCaller[uid]?.filter { now.timeIntervalSince($0) < window }.count ?? 0
            table.recordsSinceSweep += 1
            if table.recordsSinceSweep >= Self.sweepEvery {
                table.recordsSinceSweep = 0
                table.byCaller = table.byCaller.filter { _, times in times.last.map { now.timeIntervalSince($0) < window } ?? false }
            }
            return recent == limit
        }
        // Once as the caller reaches the limit, not at every refusal that follows.
        if reachedLimit {
            Self.logger.warning(
                "caller throttled: too many wrong PINs and passwords across subjects; its checks are refused for a while",
                metadata: ["caller": "\(uid.storeKey.dropFirst(7))", "failures": "\(limit)", "window-seconds": "\(Int(window))"])
        }
    }

    private static let logger = Logger(label: "madoguchi-auth")

    /// Callers with failures held (for tests and `service.info`-style checks).
    var trackedCallers: Int { failures.withLockedValue { $0.byCaller.count } }
}

/// Whose failures are counted together.
enum Caller: Hashable, Sendable {
    case uid(UInt32)
    case origin(String)

    /// The caller's key in a shared `AttemptStore`.
    var storeKey: String {
        switch self {
        case .uid(let uid): "caller:uid:\(uid)"
        case .origin(let origin): "caller:origin:\(origin)"
        }
    }

    /// The longest origin taken (an IPv6 address with a port and zone fits many times).
    static let maximumOriginBytes = 128

    /// The end user's origin when a trusted front end reports one, else the calling uid.
    init(peer: PeerCredentials, origin: String?, frontEnds: FrontEndPolicy) throws {
        if let origin, origin.utf8.count > Self.maximumOriginBytes {
            throw RPCError.invalidParams(
                "origin is at most \(Self.maximumOriginBytes) bytes.", reason: "origin_too_long", field: "origin")
        }
        if let origin, frontEnds.isTrusted(peer) {
            self = .origin(origin)
        } else {
            self = .uid(peer.uid)
        }
    }
}

/// Which callers are front ends trusted to report their end users' origins: root,
/// members of the front-end group, and the Madoguchi services and operators (from
/// `SO_PEERCRED`).
struct FrontEndPolicy: Sendable {
    let group: OperatorPolicy
    /// Madoguchi services relay end users (registration's logins, linking's ISP logins).
    let services: ServiceCallerPolicy

    func isTrusted(_ peer: PeerCredentials) -> Bool { group.isOperator(peer) || services.isServiceOrOperator(peer) }
}
