import AuthAPI
import JSONRPC
import JSONRPCTransport
import MadoguchiModels
import TestSupport
import Testing

/// Auth alone on either engine (a fresh database of the shared cluster for PostgreSQL),
/// with two lines' network PINs set to 4821: for a wrong PIN on line A that the storage
/// will not record, beside line B's checks that only read.
struct AuthWithTwoLines {
    let sandbox: ServiceSandbox
    let auth: ChildProcess
    let client: RPCClient
    let lineA = PINSubject.line(LinesFixture.number("09012345678"))
    let lineB = PINSubject.line(LinesFixture.number("08011112222"))

    /// `prepare` is done to the PostgreSQL database (named) before auth starts on it.
    init(engine: StorageEngine, prepare: (_ database: String) async throws -> Void = { _ in }) async throws {
        sandbox = try await ServiceSandbox.make(engine: engine)
        if let database = sandbox.postgresDatabase { try await prepare(database) }
        auth = try await sandbox.startBound("auth")
        client = try await sandbox.client("auth", timeout: .seconds(60))
        for line in [lineA, lineB] {
            _ = try await client.call(PINSet.self, .init(subject: line, kind: .network, pin: try PIN(validating: "4821")))
        }
    }

    func verify(_ subject: PINSubject, _ digits: String) async -> RPCError? {
        await refusal { try await client.call(PINVerify.self, .init(subject: subject, kind: .network, pin: try PIN(validating: digits))) }
    }

    /// Line A's one held failure is written before its next check: one more wrong PIN
    /// leaves one try. Then auth stops.
    func expectTheHeldFailureCounted() async throws {
        let after = await verify(lineA, "1593")
        #expect(after?.reason == "pin_incorrect" && after?.data?["attemptsLeft"] == .int(1), "\(String(describing: after))")
        await client.close()
        #expect(try await auth.terminate() == 0)
    }
}
