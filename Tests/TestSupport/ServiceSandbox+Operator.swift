import Logging
import PostgresNIO
import Testing

extension ServiceSandbox {
    /// `sql` run on `service`'s database by another connection, as an operator's would be:
    /// a `python3` `sqlite3` connection to the service's file, or a session of the
    /// sandbox's PostgreSQL database (name the service's schema in `sql`).
    public func operatorRuns(_ sql: String, in service: String) async throws {
        if let database = postgresDatabase {
            try await PostgresCluster.shared().withClient(database: database) { session in
                _ = try await session.query(PostgresQuery(unsafeSQL: sql), logger: Logger(label: "operator"))
            }
        } else {
            let run = try await ChildProcess.run(
                "/usr/bin/python3",
                ["-c", "import sqlite3, sys; sqlite3.connect(sys.argv[1], isolation_level=None).execute(sys.argv[2])",
                 root.file("\(service)/\(service).sqlite"), sql])
            try #require(run.status == 0, "\(run.stderr)")
        }
    }
}
