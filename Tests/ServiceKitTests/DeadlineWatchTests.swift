import Foundation
import Synchronization
import Testing

@testable import ServiceKit

/// One sleeping task keeps every PostgreSQL call's time limit: a call with a short limit
/// expires on time however long the limits of the calls before it, and a call that ended
/// is never expired.
@Suite(.timeLimit(.minutes(1))) struct DeadlineWatchTests {
    @Test func aShortLimitAfterALongOne_expiresOnTime_andTheLongOneDoesNot() async {
        let watch = DeadlineWatch()
        let longExpiries = Expiries()
        let long = watch.watch(until: .now + .seconds(600)) { longExpiries.append(600) }
        let started = ContinuousClock.now
        await withCheckedContinuation { (expired: CheckedContinuation<Void, Never>) in
            _ = watch.watch(until: .now + .milliseconds(50)) { expired.resume() }
        }
        #expect(ContinuousClock.now - started < .seconds(30), "the short limit waited for the long one's")
        #expect(longExpiries.all.isEmpty)
        #expect(watch.watchedCount == 1)
        watch.forget(long)
        #expect(watch.watchedCount == 0)
    }

    @Test func limitsInAnyOrder_expireInTheOrderOfTheirDeadlines() async {
        let watch = DeadlineWatch()
        let order = Expiries()
        // Registered 150, 50, 100 ms: after each expiry the watch sleeps again until the
        // next deadline, so all three expire, earliest first.
        await withTaskGroup(of: Void.self) { group in
            for milliseconds in [150, 50, 100] {
                let deadline = ContinuousClock.now + .milliseconds(milliseconds)
                await withCheckedContinuation { (registered: CheckedContinuation<Void, Never>) in
                    group.addTask {
                        await withCheckedContinuation { (expired: CheckedContinuation<Void, Never>) in
                            _ = watch.watch(until: deadline) {
                                order.append(milliseconds)
                                expired.resume()
                            }
                            registered.resume()
                        }
                    }
                }
            }
        }
        #expect(order.all == [50, 100, 150])
        #expect(watch.watchedCount == 0)
    }

    @Test func callsThatEnded_neverExpire() async {
        let watch = DeadlineWatch()
        let wrongExpiries = Expiries()
        for call in 0..<1_000 {
            let ticket = watch.watch(until: .now + .milliseconds(20)) { wrongExpiries.append(call) }
            watch.forget(ticket)
        }
        // A last call whose expiry is awaited: the watch has woken past every limit above.
        await withCheckedContinuation { (expired: CheckedContinuation<Void, Never>) in
            _ = watch.watch(until: .now + .milliseconds(40)) { expired.resume() }
        }
        #expect(wrongExpiries.all.isEmpty)
        #expect(watch.watchedCount == 0)
    }

    @Test func aCallPastItsLimit_isAnsweredAsAStorageFault() async {
        await #expect(throws: PostgresFault.self) {
            try await classifyingFaults(within: .milliseconds(100)) { try await Task.sleep(for: .seconds(3_600)) }
        }
        let quick = try? await classifyingFaults(within: .seconds(60)) { 42 }
        #expect(quick == 42)
    }
}

/// Which calls expired, in order.
private final class Expiries: Sendable {
    private let list = Mutex<[Int]>([])
    func append(_ call: Int) { list.withLock { $0.append(call) } }
    var all: [Int] { list.withLock { $0 } }
}
