import ServiceKit
import Synchronization
import TestSupport
import Testing

/// Reads asked for at the same time, sent together (`BatchedReads`), with statements that
/// the test holds until it lets them go (`HeldStatements`), so that which reads wait and
/// which go together is known, not timed.
@Suite struct BatchedReadsTests {
    /// Statements as `BatchedReads` sends them: each batch recorded, answered with its
    /// requests times ten, after the test lets it go (`letGo`). A batch holding a negative
    /// request fails.
    final class HeldStatements: Sendable {
        private let state = Mutex<(batches: [[Int]], tokens: Int, held: [CheckedContinuation<Void, Never>])>(([], 0, []))
        let answersOneShort: Bool

        init(answersOneShort: Bool = false) { self.answersOneShort = answersOneShort }

        var batches: [[Int]] { state.withLock { $0.batches } }
        var held: Int { state.withLock { $0.held.count } }

        func run(_ requests: [Int]) async throws -> [Int] {
            await withCheckedContinuation { continuation in
                let goes = state.withLock { state -> Bool in
                    state.batches.append(requests)
                    guard state.tokens > 0 else {
                        state.held.append(continuation)
                        return false
                    }
                    state.tokens -= 1
                    return true
                }
                if goes { continuation.resume() }
            }
            if requests.contains(where: { $0 < 0 }) { throw StatementFailed() }
            return requests.dropLast(answersOneShort ? 1 : 0).map { $0 * 10 }
        }

        /// Lets `count` statements go: the held ones first, then those yet to come.
        func letGo(_ count: Int = 1) {
            let going = state.withLock { state -> [CheckedContinuation<Void, Never>] in
                let going = Array(state.held.prefix(count))
                state.held.removeFirst(going.count)
                state.tokens += count - going.count
                return going
            }
            for continuation in going { continuation.resume() }
        }
    }

    struct StatementFailed: Error {}

    /// `reads.read(request)` in a task of its own, its answer or error kept.
    func reading(_ request: Int, from reads: BatchedReads<Int, Int>) -> Task<Result<Int, any Error>, Never> {
        Task {
            do { return .success(try await reads.read(request)) } catch { return .failure(error) }
        }
    }

    /// Read 1 (or `first`) sent and held in its statement, then `others` asked for while it
    /// is out: with one slot they wait, as `waitingReads` shows before this returns.
    func oneOutAndOthersWaiting(
        _ reads: BatchedReads<Int, Int>, _ statements: HeldStatements, first: Int = 1, others: ClosedRange<Int>
    ) async throws -> (first: Task<Result<Int, any Error>, Never>, others: [Task<Result<Int, any Error>, Never>]) {
        let held = reading(first, from: reads)
        try await waitUntil("the first read's statement to be out") { statements.held == 1 }
        let waiting = others.map { reading($0, from: reads) }
        try await waitUntil("\(others.count) reads to wait") { reads.waitingReads == others.count }
        return (held, waiting)
    }

    /// One statement out (the most), ten reads asked for meanwhile: they wait, then go
    /// together in one statement, and each gets the answer to its own request.
    @Test func readsAskedWhileEverySlotIsOut_goTogether_eachAnsweredItsOwn() async throws {
        let statements = HeldStatements()
        let reads = BatchedReads<Int, Int>(batchesInFlight: 1, largestBatch: 64, run: statements.run)
        let (first, others) = try await oneOutAndOthersWaiting(reads, statements, others: 2...11)
        #expect(statements.batches.count == 1)

        statements.letGo(2)
        #expect(try await first.value.get() == 10)
        for (request, read) in zip(2...11, others) { #expect(try await read.value.get() == request * 10) }
        #expect(statements.batches.map { Set($0) } == [[1], Set(2...11)])
    }

    /// A read asked for while a slot is free goes at once, alone: no read waits for others.
    @Test func aReadWithASlotFree_goesAtOnce() async throws {
        let statements = HeldStatements()
        let reads = BatchedReads<Int, Int>(batchesInFlight: 2, largestBatch: 64, run: statements.run)
        let first = reading(1, from: reads)
        let second = reading(2, from: reads)
        try await waitUntil("both reads' statements to be out") { statements.held == 2 }
        #expect(reads.waitingReads == 0)
        statements.letGo(2)
        #expect(try await first.value.get() == 10)
        #expect(try await second.value.get() == 20)
        #expect(statements.batches.map(\.count) == [1, 1])
    }

    /// No statement carries more than `largestBatch` reads: ten waiting reads go as 4, 4, 2.
    @Test func noStatementCarriesMoreThanTheLargestBatch() async throws {
        let statements = HeldStatements()
        let reads = BatchedReads<Int, Int>(batchesInFlight: 1, largestBatch: 4, run: statements.run)
        let (first, others) = try await oneOutAndOthersWaiting(reads, statements, others: 2...11)

        statements.letGo(4)
        _ = try await first.value.get()
        for (request, read) in zip(2...11, others) { #expect(try await read.value.get() == request * 10) }
        #expect(statements.batches.map(\.count) == [1, 4, 4, 2])
    }

    /// A statement that fails fails the reads it carried, and only those; its slot is
    /// free again for the reads that waited, and for later ones.
    @Test func aFailedStatement_failsItsOwnReadsOnly_andFreesItsSlot() async throws {
        let statements = HeldStatements()
        let reads = BatchedReads<Int, Int>(batchesInFlight: 1, largestBatch: 64, run: statements.run)
        let (failing, others) = try await oneOutAndOthersWaiting(reads, statements, first: -1, others: 1...5)

        statements.letGo(3)
        let failed = await failing.value
        #expect(throws: StatementFailed.self) { try failed.get() }
        let afterFailure = await others.asyncMap { await $0.value }
        for (request, read) in zip(1...5, afterFailure) { #expect(try read.get() == request * 10) }
        #expect(try await reading(7, from: reads).value.get() == 70)
    }

    /// A statement that answers another number of reads than it carried gives none of
    /// them an answer: no read could be matched to its own.
    @Test func anAnswerOfAnotherLength_isGivenToNoRead() async throws {
        let statements = HeldStatements(answersOneShort: true)
        let reads = BatchedReads<Int, Int>(batchesInFlight: 1, largestBatch: 64, run: statements.run)
        let (first, others) = try await oneOutAndOthersWaiting(reads, statements, others: 2...4)
        statements.letGo(2)
        // A batch of one answered with none, and one of three with two.
        for read in [first] + others {
            let answer = await read.value
            #expect(throws: BatchAnsweredWrongly.self) { try answer.get() }
        }
    }

    /// A read whose caller gave up while it waited (its task cancelled) leaves the queue
    /// at once, answered `CancellationError`, and is never sent; the others go as before.
    @Test func aReadCancelledWhileItWaits_isNeverSent() async throws {
        let statements = HeldStatements()
        let reads = BatchedReads<Int, Int>(batchesInFlight: 1, largestBatch: 64, run: statements.run)
        let (first, others) = try await oneOutAndOthersWaiting(reads, statements, others: 2...4)
        others[1].cancel()
        try await waitUntil("the cancelled read to leave the queue") { reads.waitingReads == 2 }
        let cancelled = await others[1].value
        #expect(throws: CancellationError.self) { try cancelled.get() }

        statements.letGo(2)
        #expect(try await first.value.get() == 10)
        #expect(try await others[0].value.get() == 20)
        #expect(try await others[2].value.get() == 40)
        #expect(statements.batches.map { Set($0) } == [[1], [2, 4]])
        #expect(reads.largestBatchSent == 2)
    }

    /// Thousands of reads at once, with statements that answer at their own pace: each
    /// read gets the answer to its own request.
    @Test func manyReadsAtOnce_eachGetTheirOwnAnswer() async throws {
        let sizes = Mutex<[Int]>([])
        let reads = BatchedReads<Int, Int>(batchesInFlight: 3, largestBatch: 16) { requests in
            sizes.withLock { $0.append(requests.count) }
            await Task.yield()
            return requests.map { $0 * 10 }
        }
        let answers = await withTaskGroup(of: (Int, Int?).self) { group in
            for request in 0..<5_000 { group.addTask { (request, try? await reads.read(request)) } }
            return await group.reduce(into: [:]) { $0[$1.0] = $1.1 }
        }
        #expect(answers.count == 5_000)
        #expect(answers.allSatisfy { $0.value == $0.key * 10 })
        #expect(sizes.withLock { $0.reduce(0, +) } == 5_000)
        #expect(sizes.withLock { $0.max() ?? 0 } <= 16)
        #expect(reads.waitingReads == 0)
    }
}

extension Array where Element: Sendable {
    fileprivate func asyncMap<T>(_ transform: (Element) async -> T) async -> [T] {
        var mapped: [T] = []
        for element in self { mapped.append(await transform(element)) }
        return mapped
    }
}
