import JSONRPC
import JSONRPCTransport
import NIOCore

/// The bookkeeping of one peer's pool of connections: which are open or being opened, how
/// many calls each carries, and since when each has carried none. It only decides;
/// `PeerService` keeps it under a lock and connects, calls and closes outside it, so no
/// lock (and no actor) is held across a connect or a call.
///
/// A connection is *busy* while it carries at least one call. Each connection is read by
/// one of the callee's event loops, so concurrent calls spread over connections spread
/// over the callee's cores, and a callee of an earlier release (which answered one
/// connection's calls in order) does not queue them; a fresh connection costs the callee
/// one descriptor. So a call takes an idle connection
/// if there is one, else opens another while the pool is below its bound, and only at the
/// bound shares the least-loaded one (pipelined: answers are matched by id, never handed
/// to another caller).
struct PeerConnections {
    /// One connection of the pool, from the connect that opens it to its close. A slot
    /// never changes connection: a replacement is a new slot with a new id, so dropping
    /// "slot n" can only ever close the connection that failed, never a newer one.
    struct Slot {
        let id: Int
        /// The connection once open; nil while its connect is in progress.
        var client: RPCClient?
        /// Completed by the connect in progress, for the calls that wait for it.
        var connected: EventLoopPromise<RPCClient>?
        /// Calls using the connection now, or waiting for its connect.
        var calls: Int
        /// When it last carried no call (meaningless while `calls > 0`).
        var idleSince: ContinuousClock.Instant
    }

    /// What a call is to do to get its connection.
    enum Lease {
        /// Use this open connection.
        case ready(slot: Int, RPCClient)
        /// Wait for the connect another call has started: one connect per slot.
        case waitForConnect(slot: Int, EventLoopFuture<RPCClient>)
        /// Connect, then report with `connected` or `connectFailed`; other calls may wait
        /// on the promise meanwhile.
        case connect(slot: Int, EventLoopPromise<RPCClient>)
    }

    let maximumConnections: Int
    private(set) var slots: [Slot] = []
    private var nextID = 0
    /// The armed idle check, if any (one per pool).
    var idleCheck: Scheduled<Void>?

    init(maximumConnections: Int) {
        self.maximumConnections = max(1, maximumConnections)
    }

    /// Picks the connection for one more call and counts the call on it. `makePromise` is
    /// called only when a new connection is to be made.
    mutating func lease(now: ContinuousClock.Instant, makePromise: () -> EventLoopPromise<RPCClient>) -> Lease {
        // A connection the peer closed (a restart, its idle timeout) is replaced on this
        // use; calls still on it fail by themselves and find their slot already gone.
        slots.removeAll { slot in slot.client.map { !$0.isConnected } ?? false }
        // Of idle connections, the one used last: the others then stay idle and close.
        if let index = slots.indices.filter({ slots[$0].calls == 0 }).max(by: { slots[$0].idleSince < slots[$1].idleSince }) {
            return take(index)
        }
        if slots.count < maximumConnections {
            let promise = makePromise()
            nextID += 1
            slots.append(Slot(id: nextID, client: nil, connected: promise, calls: 1, idleSince: now))
            return .connect(slot: nextID, promise)
        }
        // At the bound: share the least-loaded connection rather than queue here; the
        // call's deadline bounds its wait either way.
        let index = slots.indices.min { slots[$0].calls < slots[$1].calls }!
        return take(index)
    }

    private mutating func take(_ index: Int) -> Lease {
        slots[index].calls += 1
        if let client = slots[index].client { return .ready(slot: slots[index].id, client) }
        return .waitForConnect(slot: slots[index].id, slots[index].connected!.futureResult)
    }

    /// The connect of `slot` succeeded. False when the slot was closed meanwhile (`close`):
    /// the caller then closes `client` itself.
    mutating func connected(_ slot: Int, _ client: RPCClient) -> Bool {
        guard let index = slots.firstIndex(where: { $0.id == slot }) else { return false }
        slots[index].client = client
        slots[index].connected = nil
        return true
    }

    /// The connect of `slot` failed: the slot goes, and its waiting calls fail with it.
    mutating func connectFailed(_ slot: Int) {
        slots.removeAll { $0.id == slot }
    }

    /// A call on `slot` is over. True when the connection is now idle.
    mutating func release(_ slot: Int, now: ContinuousClock.Instant) -> Bool {
        guard let index = slots.firstIndex(where: { $0.id == slot }) else { return false }
        slots[index].calls -= 1
        guard slots[index].calls == 0 else { return false }
        slots[index].idleSince = now
        return true
    }

    /// Removes `slot` after its connection failed, returning that connection to close.
    /// Only that slot: a newer connection that replaced it is left alone.
    mutating func drop(_ slot: Int) -> RPCClient? {
        guard let index = slots.firstIndex(where: { $0.id == slot }) else { return nil }
        return slots.remove(at: index).client
    }

    /// Removes the connections idle for `idleTimeout` or more, returning them to close.
    mutating func removeIdle(now: ContinuousClock.Instant, idleTimeout: Duration) -> [RPCClient] {
        let expired = slots.filter { $0.calls == 0 && $0.client != nil && now - $0.idleSince >= idleTimeout }
        slots.removeAll { slot in expired.contains { $0.id == slot.id } }
        return expired.compactMap(\.client)
    }

    /// When the next idle connection expires, if any is idle.
    func nextIdleExpiry(idleTimeout: Duration) -> ContinuousClock.Instant? {
        slots.filter { $0.calls == 0 && $0.client != nil }.map(\.idleSince).min().map { $0 + idleTimeout }
    }

    /// Removes every slot, returning the open connections to close. Connects in progress
    /// find their slot gone and close what they open.
    mutating func removeAll() -> [RPCClient] {
        defer { slots.removeAll() }
        return slots.compactMap(\.client)
    }
}
