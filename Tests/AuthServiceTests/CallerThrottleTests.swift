@testable import AuthService
import Foundation
import Testing

@Suite struct CallerThrottleTests {
    /// Callers whose failures have all aged out are swept, so a stream of fresh origins
    /// does not grow the table past one window's worth.
    @Test func callersWhoseWindowHasPassed_areSweptAway() {
        let throttle = CallerThrottle(limit: 50, window: 600)
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        for index in 0..<CallerThrottle.sweepEvery {
            throttle.recordFailure(.origin("old-\(index)"), at: start)
        }
        #expect(throttle.trackedCallers == CallerThrottle.sweepEvery)
        let later = start.addingTimeInterval(601)
        for index in 0..<CallerThrottle.sweepEvery {
            throttle.recordFailure(.origin("new-\(index)"), at: later)
        }
        #expect(throttle.trackedCallers == CallerThrottle.sweepEvery)
    }
}
