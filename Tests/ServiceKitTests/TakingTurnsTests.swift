import ServiceKit
import Synchronization
import Testing

/// `TakingTurns`: work for one key never overlaps, and every turn asked for runs; work
/// for another key is not held up by it; the table forgets a key once its turns end.
@Suite struct TakingTurnsTests {
    /// How many turns of a key run at once, at most, and the order they started in.
    final class Observed: Sendable {
        private let state = Mutex((running: 0, mostAtOnce: 0, order: [Int]()))
        func start(_ index: Int) { state.withLock { $0.running += 1; $0.mostAtOnce = max($0.mostAtOnce, $0.running); $0.order.append(index) } }
        func end() { state.withLock { $0.running -= 1 } }
        var mostAtOnce: Int { state.withLock { $0.mostAtOnce } }
        var order: [Int] { state.withLock { $0.order } }
    }

    @Test func turnsOfOneKey_neverOverlap() async throws {
        let turns = TakingTurns<String>()
        let observed = Observed()
        await withTaskGroup(of: Void.self) { group in
            for index in 0..<50 {
                group.addTask {
                    try? await turns.inTurn("line:09012345678") {
                        observed.start(index)
                        try? await Task.sleep(for: .microseconds(200))
                        observed.end()
                    }
                }
            }
        }
        #expect(observed.mostAtOnce == 1)
        #expect(observed.order.count == 50)
        #expect(turns.busyKeys == 0)
    }

    @Test func aTurnOfAnotherKey_isNotHeldUp() async throws {
        let turns = TakingTurns<String>()
        let (entered, enteredNow) = AsyncStream.makeStream(of: Void.self)
        let (release, releaseNow) = AsyncStream.makeStream(of: Void.self)
        let held = Task {
            try await turns.inTurn("a") {
                enteredNow.yield()
                for await _ in release { break }
            }
        }
        for await _ in entered { break }
        // "a" is busy until released; "b" runs meanwhile (else this test would hang).
        #expect(try await turns.inTurn("b") { 2 } == 2)
        #expect(turns.busyKeys == 1)
        releaseNow.yield()
        try await held.value
        #expect(turns.busyKeys == 0)
    }

    @Test func anErrorEndsTheTurn() async throws {
        struct Refused: Error {}
        let turns = TakingTurns<String>()
        await #expect(throws: Refused.self) { try await turns.inTurn("a") { throw Refused() } }
        #expect(try await turns.inTurn("a") { 1 } == 1)
        #expect(turns.busyKeys == 0)
    }
}
