import Dispatch
import Foundation

/// Ctrl-C (SIGINT) while an import runs: instead of dying with the import staged on the
/// service, `madoctl` runs `onInterrupt` (which cancels it there) and exits 130. The
/// import's own flow, which then fails as its batches find the import gone, waits for that
/// exit rather than reporting its own error (`waitIfInterrupted`).
final class ImportInterrupt: @unchecked Sendable {
    private let source: any DispatchSourceSignal
    private let interrupted = NSLock()
    private var isInterrupted = false

    init(onInterrupt: @escaping @Sendable () async -> Void) {
        signal(SIGINT, SIG_IGN)
        source = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        source.setEventHandler { [unowned self] in
            let first = interrupted.withLock {
                defer { isInterrupted = true }
                return !isInterrupted
            }
            guard first else { return }
            Task {
                await onInterrupt()
                exit(130)
            }
        }
        source.resume()
    }

    /// Once Ctrl-C was pressed, never returns: the cancel ends the process.
    func waitIfInterrupted() async {
        while interrupted.withLock({ isInterrupted }) { try? await Task.sleep(for: .seconds(1)) }
    }

    /// The import is over: Ctrl-C ends `madoctl` as usual again.
    func stop() {
        source.cancel()
        signal(SIGINT, SIG_DFL)
    }
}
