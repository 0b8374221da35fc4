import NIOCore

/// Runs the jobs of the tasks that prefer it (`withTaskExecutorPreference`) on one NIO
/// event loop, so that a connection's calls run on the thread that reads and writes the
/// connection.
///
/// Why: a call handed from the event loop to Swift's cooperative pool and its answer handed
/// back are two thread wake-ups per call, the larger share of a cheap call's cost (a PIN
/// check relayed by lines crossed nine threads). On the connection's own loop the call's
/// answer is written in place, and a peer call made over a connection on the same loop
/// (`PeerService` prefers one) is written and answered without leaving the thread. Work
/// that waits (a database read, a hash) still runs elsewhere and resumes here.
///
/// NIO 2.101's event loops are serial executors only; this adapts one to `TaskExecutor`.
/// A job must not block: a handler that waited synchronously would stall every connection
/// of its loop (none does: storage, hashing and files run on their own threads).
public final class EventLoopTaskExecutor: TaskExecutor {
    /// The loop the jobs run on.
    public let eventLoop: any EventLoop

    public init(_ eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        eventLoop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}
