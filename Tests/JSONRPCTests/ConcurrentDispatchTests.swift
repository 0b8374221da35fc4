import Foundation
import JSONRPC
import JSONRPCTransport
import TestSupport
import Testing

/// One connection's calls answered concurrently: a call that waits does not hold back the
/// ones sent after it, answers leave as they complete, and the calls in flight on a
/// connection are bounded. Every wait here is on an event (a gate, an answer), not a time.
@Suite struct ConcurrentDispatchTests {
    @Test func aCallThatWaits_doesNotDelayLaterCallsOnTheSameConnection() async throws {
        let gate = Gate()
        try await withTestServer(gate: gate) { path, _ in
            let socket = try RawSocket(path: path, readTimeout: .seconds(10))
            socket.send(#"{"jsonrpc":"2.0","method":"hold","id":1}"# + "\n")
            socket.send(#"{"jsonrpc":"2.0","method":"sum","params":[2,3],"id":2}"# + "\n")
            socket.send(#"{"jsonrpc":"2.0","method":"rpc.discover","id":3}"# + "\n")
            // With one call at a time, these would wait for the gate: the test would time out.
            // Each answer leaves when ready: the immediate rpc.discover may pass the sum.
            let answers = try await blocking { [try socket.readLine(), try socket.readLine()] }.compactMap { $0 }.sorted()
            #expect(answers.count == 2)
            #expect(GoldenJSON.matches(answers.first, #"{"jsonrpc":"2.0","id":2,"result":5}"#))
            #expect(answers.last?.hasPrefix(#"{"jsonrpc":"2.0","id":3,"result":"#) == true)
            #expect(await gate.arrivals == 1)
            await gate.open()
            #expect(GoldenJSON.matches(try await blocking { try socket.readLine() }, #"{"jsonrpc":"2.0","id":1,"result":"released"}"#))
        }
    }

    @Test func callsInFlightOnAConnection_areBounded_andTheRestWaitTheirTurn() async throws {
        let gate = Gate()
        try await withTestServer(gate: gate, configure: { $0.maximumCallsInFlightPerConnection = 4 }) { path, server in
            let socket = try RawSocket(path: path, readTimeout: .seconds(10))
            socket.send((1...10).map { #"{"jsonrpc":"2.0","method":"hold","id":\#($0)}"# + "\n" }.joined())
            try await waitUntil("four calls to be running") { await gate.arrivals == 4 }
            // Another connection is served meanwhile: the bound is per connection.
            let other = try RawSocket(path: path)
            other.send(#"{"jsonrpc":"2.0","method":"sum","params":[1,1],"id":1}"# + "\n")
            #expect(GoldenJSON.matches(try await blocking { try other.readLine() }, #"{"jsonrpc":"2.0","id":1,"result":2}"#))
            #expect(await gate.arrivals == 4)
            await gate.open()
            var ids: Set<String> = []
            for _ in 1...10 {
                let line = try #require(try await blocking { try socket.readLine() })
                #expect(line.contains(#""result":"released""#))
                ids.insert(String(line.split(separator: ",")[1]))
            }
            #expect(ids.count == 10)
            #expect(await gate.arrivals == 10)
            // The held calls never ran more than four at once (the sum on the other
            // connection may have made a fifth).
            #expect(server.gauge.peakInFlight <= 5)
            #expect(server.gauge.inFlight == 0)
        }
    }

    @Test func aBatch_stillRunsItsEntriesInOrder_whileOtherLinesPassIt() async throws {
        let gate = Gate()
        try await withTestServer(gate: gate) { path, _ in
            let socket = try RawSocket(path: path, readTimeout: .seconds(10))
            socket.send(
                #"[{"jsonrpc":"2.0","method":"hold","id":1},{"jsonrpc":"2.0","method":"sum","params":[1,2],"id":2}]"# + "\n")
            socket.send(#"{"jsonrpc":"2.0","method":"sum","params":[4,4],"id":3}"# + "\n")
            #expect(GoldenJSON.matches(try await blocking { try socket.readLine() }, #"{"jsonrpc":"2.0","id":3,"result":8}"#))
            await gate.open()
            #expect(
                GoldenJSON.matches(
                    try await blocking { try socket.readLine() },
                    #"[{"jsonrpc":"2.0","id":1,"result":"released"},{"jsonrpc":"2.0","id":2,"result":3}]"#))
        }
    }

    @Test func aClientThatHalfCloses_getsTheAnswersOfCallsStillRunning() async throws {
        let gate = Gate()
        try await withTestServer(gate: gate) { path, _ in
            let socket = try RawSocket(path: path, readTimeout: .seconds(10))
            socket.send(#"{"jsonrpc":"2.0","method":"hold","id":1}"# + "\n" + #"{"jsonrpc":"2.0","method":"sum","params":[1],"id":2}"#)
            socket.shutdownWrite()
            #expect(GoldenJSON.matches(try await blocking { try socket.readLine() }, #"{"jsonrpc":"2.0","id":2,"result":1}"#))
            try await waitUntil("the held call to arrive") { await gate.arrivals == 1 }
            await gate.open()
            #expect(GoldenJSON.matches(try await blocking { try socket.readLine() }, #"{"jsonrpc":"2.0","id":1,"result":"released"}"#))
            #expect(try await blocking { try socket.readLine() } == nil)
        }
    }

    @Test func manyClientCallsOnOneConnection_overlapAtTheServer() async throws {
        let gate = Gate()
        try await withTestServer(gate: gate) { path, server in
            let client = try await RPCClient.connect(socketPath: path, defaultTimeout: .seconds(30))
            try await withThrowingTaskGroup(of: String.self) { calls in
                for _ in 1...8 { calls.addTask { try await client.call(Hold.self) } }
                try await waitUntil("all eight calls to be running at once") { await gate.arrivals == 8 }
                #expect(server.gauge.inFlight == 8)
                await gate.open()
                for try await answer in calls { #expect(answer == "released") }
            }
            await client.close()
        }
    }

    /// Small requests for large answers, none of them read: the service stops starting
    /// calls once the answers back up (the socket full, the channel over its high-water
    /// mark, a mebibyte waiting), so it holds a bounded amount, not 1,000 × 64 KiB.
    @Test func aClientThatReadsNoAnswers_stopsGettingItsCallsStarted() async throws {
        let count = BigCount()
        try await withTestServer(bigCount: count) { path, server in
            let socket = try RawSocket(path: path)
            socket.send((1...1000).map { #"{"jsonrpc":"2.0","method":"big","id":\#($0)}"# + "\n" }.joined())
            try await waitUntil("the first answers to back up") { count.value >= 16 && server.gauge.inFlight == 0 }
            // Not a time rule: a second for anything more to happen, which must not.
            try await Task.sleep(for: .seconds(1))
            let started = count.value
            #expect(started < 200, "\(started) of 1,000 calls run while their answers went unread")
            // Reading resumes them all.
            let answers = try await blocking {
                var read = 0
                while read < 1000, try socket.readLine() != nil { read += 1 }
                return read
            }
            #expect(answers == 1000)
            #expect(count.value == 1000)
        }
    }
}
