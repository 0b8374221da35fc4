import Synchronization

/// Reads of one kind that callers ask for at the same time, sent to the server together,
/// as one statement.
///
/// Why: on PostgreSQL each statement has a fixed price — a round trip, a wake-up of the
/// server's backend, the pool's lease, the hops between threads on both sides — far above
/// that of one more row found by an index. Under load the reads in flight share it
/// (BENCHMARKS.md, "Checks read together"); with one caller at a time nothing changes.
///
/// At most `batchesInFlight` statements are out at once. A read asked for while fewer are
/// out goes at once, alone (a read that finds a slot free never waits); one asked for
/// while all are out waits for one of them to come back, and then goes with every read
/// that waited meanwhile (at most `largestBatch` to a statement). Each caller
/// gets the answer to its own request: `run` answers a batch in its requests' order, and
/// one that answers another number of them fails the whole batch. A failed statement
/// fails every read in it, and only those. `run` must bound its own time (a hung server
/// would otherwise keep a slot forever): `classifyingFaults` does.
public final class BatchedReads<Request: Sendable, Answer: Sendable>: Sendable {
    /// Reads `requests` in one statement, answering each in their order.
    public typealias Run = @Sendable (_ requests: [Request]) async throws -> [Answer]

    /// The most statements out at once.
    public let batchesInFlight: Int
    /// The most reads in one statement.
    public let largestBatch: Int
    private let run: Run
    private let state = Mutex(State())

    private struct Waiting: Sendable {
        var id: UInt64
        var request: Request
        var continuation: CheckedContinuation<Answer, any Error>
    }

    /// What became of a read asked for.
    private enum Queued {
        case cancelled, waiting
        /// A slot was free: the read goes now, with any that waited.
        case sending([Waiting])
    }

    private struct State: Sendable {
        var waiting: [Waiting] = []
        var inFlight = 0
        var nextID: UInt64 = 0
        /// The most reads any statement carried so far.
        var largestSent = 0

        /// The oldest reads waiting, at most `limit`, out of the queue.
        mutating func take(atMost limit: Int) -> [Waiting] {
            let batch = Array(waiting.prefix(limit))
            waiting.removeFirst(batch.count)
            largestSent = max(largestSent, batch.count)
            return batch
        }
    }

    public init(batchesInFlight: Int, largestBatch: Int, run: @escaping Run) {
        precondition(batchesInFlight > 0 && largestBatch > 0)
        self.batchesInFlight = batchesInFlight
        self.largestBatch = largestBatch
        self.run = run
    }

    /// How many reads wait for a statement now.
    public var waitingReads: Int { state.withLock { $0.waiting.count } }

    /// The most reads any statement has carried so far (1 until reads have gone together).
    public var largestBatchSent: Int { state.withLock { $0.largestSent } }

    /// The answer to `request`, read alone or with others asked for at the same time. A
    /// read whose task is cancelled while it waits (its caller gave up: `classifyingFaults`
    /// past its limit) leaves the queue at once with `CancellationError` and is never sent,
    /// so a hung server does not pile up reads no one waits for.
    public func read(_ request: Request) async throws -> Answer {
        let id = state.withLock { state in
            state.nextID += 1
            return state.nextID
        }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                let queued = state.withLock { state -> Queued in
                    // Cancelled before it was queued: the handler found nothing to take out.
                    guard !Task.isCancelled else { return .cancelled }
                    state.waiting.append(Waiting(id: id, request: request, continuation: continuation))
                    guard state.inFlight < batchesInFlight else { return .waiting }
                    state.inFlight += 1
                    return .sending(state.take(atMost: largestBatch))
                }
                switch queued {
                case .cancelled: continuation.resume(throwing: CancellationError())
                case .waiting: break
                case .sending(let batch): Task { await self.send(batch) }
                }
            }
        } onCancel: {
            let waiting = state.withLock { state -> Waiting? in
                guard let index = state.waiting.firstIndex(where: { $0.id == id }) else { return nil }
                return state.waiting.remove(at: index)
            }
            waiting?.continuation.resume(throwing: CancellationError())
        }
    }

    /// Sends `first`, then, for as long as reads are waiting, the next batch of them: one
    /// slot, kept until no read waits.
    private func send(_ first: [Waiting]) async {
        var batch = first
        while true {
            let answers: Result<[Answer], any Error>
            do { answers = .success(try await run(batch.map(\.request))) } catch { answers = .failure(error) }
            Self.answer(batch, with: answers)
            let next = state.withLock { state -> [Waiting]? in
                guard !state.waiting.isEmpty else {
                    state.inFlight -= 1
                    return nil
                }
                return state.take(atMost: largestBatch)
            }
            guard let next else { return }
            batch = next
        }
    }

    private static func answer(_ batch: [Waiting], with answers: Result<[Answer], any Error>) {
        switch answers {
        case .success(let answers) where answers.count == batch.count:
            for (waiting, answer) in zip(batch, answers) { waiting.continuation.resume(returning: answer) }
        case .success(let answers):
            let error = BatchAnsweredWrongly(asked: batch.count, answered: answers.count)
            for waiting in batch { waiting.continuation.resume(throwing: error) }
        case .failure(let error):
            for waiting in batch { waiting.continuation.resume(throwing: error) }
        }
    }
}

/// A batch read whose statement answered another number of reads than it was asked: no
/// read in it can be matched to its answer, so none is given one.
public struct BatchAnsweredWrongly: Error, CustomStringConvertible {
    public var asked: Int
    public var answered: Int
    public var description: String { "a batch of \(asked) reads was answered with \(answered) answers" }
}
