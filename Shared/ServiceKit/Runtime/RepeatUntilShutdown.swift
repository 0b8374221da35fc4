import ServiceLifecycle

/// The loop of every background job (outbox, watchdog, pending PIN changes, letters): run
/// one pass, wait `interval`, again, until graceful shutdown or cancellation. A shutdown
/// cuts the wait short, so a job never holds the service's stop up by its interval.
public func repeatUntilShutdown(every interval: Duration, _ pass: () async -> Void) async {
    while !Task.isShuttingDownGracefully, !Task.isCancelled {
        await pass()
        try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
    }
}
