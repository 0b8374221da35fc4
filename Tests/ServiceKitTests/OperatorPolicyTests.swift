import Foundation
import JSONRPC
import NIOConcurrencyHelpers
import Testing

@testable import ServiceKit

/// The operator check keeps its answers briefly per caller identity: the group and user
/// databases are asked once per identity per time-to-live, on a clock the test moves.
@Suite struct OperatorPolicyTests {
    /// A policy over a look-up that counts its calls and answers "member" for uid 1000,
    /// on a clock that moves only when the test says.
    final class Harness: Sendable {
        let lookUps = NIOLockedValueBox(0)
        let elapsed = NIOLockedValueBox(Duration.zero)
        let start = ContinuousClock.now

        func policy(timeToLive: Duration = .seconds(5), capacity: Int = 4096) -> OperatorPolicy {
            OperatorPolicy(
                groupName: "madoguchi-operators", timeToLive: timeToLive, capacity: capacity,
                now: { self.start + self.elapsed.withLockedValue { $0 } },
                lookUp: { _, peer in
                    self.lookUps.withLockedValue { $0 += 1 }
                    return peer.uid == 1000
                })
        }

        func advance(_ duration: Duration) { elapsed.withLockedValue { $0 += duration } }
        var count: Int { lookUps.withLockedValue { $0 } }
    }

    @Test func repeatedChecks_areAnsweredFromMemory_perIdentity() {
        let harness = Harness()
        let policy = harness.policy()
        let operatorPeer = PeerCredentials(pid: 10, uid: 1000, gid: 1000, groups: [27])
        for _ in 0..<100 { #expect(policy.isOperator(operatorPeer)) }
        #expect(harness.count == 1)
        // Another process of the same identity: the same answer, no look-up.
        #expect(policy.isOperator(PeerCredentials(pid: 11, uid: 1000, gid: 1000, groups: [27])))
        #expect(harness.count == 1)
        // Another uid, or the same uid with other groups: an identity of its own.
        #expect(!policy.isOperator(PeerCredentials(pid: 12, uid: 1001, gid: 1001)))
        #expect(!policy.isOperator(PeerCredentials(pid: 13, uid: 1001, gid: 1001)))
        #expect(policy.isOperator(PeerCredentials(pid: 14, uid: 1000, gid: 1000, groups: [27, 998])))
        #expect(harness.count == 3)
        // Root never needs a look-up.
        #expect(policy.isOperator(PeerCredentials(pid: 1, uid: 0, gid: 0)))
        #expect(harness.count == 3)
    }

    @Test func answers_expireAfterTheirTimeToLive() {
        let harness = Harness()
        let policy = harness.policy(timeToLive: .seconds(5))
        let peer = PeerCredentials(pid: 10, uid: 1000, gid: 1000)
        #expect(policy.isOperator(peer))
        harness.advance(.milliseconds(4999))
        #expect(policy.isOperator(peer))
        #expect(harness.count == 1)
        harness.advance(.milliseconds(1))
        #expect(policy.isOperator(peer))
        #expect(harness.count == 2)
        // Kept again from the new answer.
        harness.advance(.seconds(1))
        #expect(policy.isOperator(peer))
        #expect(harness.count == 2)
    }

    @Test func theCache_holdsAtMostItsCapacity() {
        let harness = Harness()
        let policy = harness.policy(capacity: 4)
        for uid in UInt32(2000)..<2010 { #expect(!policy.isOperator(PeerCredentials(pid: 1, uid: uid, gid: uid))) }
        #expect(policy.cachedIdentities == 4)
        #expect(harness.count == 10)
        // The newest identity is still answered from memory.
        #expect(!policy.isOperator(PeerCredentials(pid: 1, uid: 2009, gid: 2009)))
        #expect(harness.count == 10)
    }

    /// The real look-up, which the cache only fronts: root's group is "root".
    @Test func theSystemLookUp_findsAPrimaryGroup() {
        #expect(OperatorPolicy.lookUp(groupName: "root", peer: PeerCredentials(pid: 1, uid: 4242, gid: 0)))
        #expect(!OperatorPolicy.lookUp(groupName: "root", peer: PeerCredentials(pid: 1, uid: 4242, gid: 4242)))
    }
}
