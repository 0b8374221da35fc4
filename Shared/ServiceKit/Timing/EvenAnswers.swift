/// Answers that must not tell whether an account, e-mail or ISP contract exists: a known
/// one does more work (a database write, a call to auth) than an unknown one, and an
/// outsider with a stopwatch would see it. Every such answer, known or not,
/// success or error, leaves no sooner than `floor` after the call arrived, a floor set
/// above what the known path takes.
///
/// The floor is measured on the monotonic clock, never the test clock: it is latency, not
/// a time rule. A known path that takes longer than the floor (a peer at its timeout)
/// shows through, so such paths keep slow work (a password hash) off the answer and
/// `--even-answer-ms` is set with a margin over the rest.
public struct EvenAnswers: Sendable {
    public let floor: Duration

    public init(floor: Duration) {
        self.floor = floor
    }

    /// Runs `work` and answers with its result or error once `floor` has passed.
    public func answer<T: Sendable>(_ work: () async throws -> T) async throws -> T {
        let due = ContinuousClock.now + floor
        let outcome: Result<T, any Error>
        do {
            outcome = .success(try await work())
        } catch {
            outcome = .failure(error)
        }
        // A cancelled wait (the service stopping) answers at once rather than never.
        try? await Task.sleep(until: due, clock: .continuous)
        return try outcome.get()
    }
}
