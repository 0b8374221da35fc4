import Foundation
import ServiceKit
import TestSupport
import Testing

/// The connection string: where the database is, from a file or a systemd credential,
/// its password never repeated in a description or an error.
@Suite struct DatabaseURLTests {
    @Test func aUnixSocketFolder_orAHost_isWhereTheServiceConnects() throws {
        let local = try DatabaseURL(parsing: "postgresql://auth@/madoguchi?host=/run/postgresql\n")
        #expect(local.endpoint == .unixSocket(path: "/run/postgresql/.s.PGSQL.5432"))
        #expect(local.username == "auth" && local.database == "madoguchi")

        let remote = try DatabaseURL(parsing: "postgres://auth:p%40ss%2Fw0rd@db.example.jp:6432/madoguchi")
        #expect(remote.endpoint == .tcp(host: "db.example.jp", port: 6432, verifyingTLS: true))
        #expect(remote.clientConfiguration.password == "p@ss/w0rd")
        #expect(!remote.description.contains("p@ss") && !remote.description.contains("p%40ss"), "\(remote)")

        let plain = try DatabaseURL(parsing: "postgresql://auth@10.0.0.5/madoguchi?sslmode=disable")
        #expect(plain.endpoint == .tcp(host: "10.0.0.5", port: 5432, verifyingTLS: false))
    }

    @Test func aStringThatIsNotOne_isRefused_withoutQuotingIt() {
        let refused = [
            "mysql://auth:secret@db/madoguchi", "postgresql://db.example.jp/madoguchi",
            "postgresql://auth:secret@db.example.jp/", "postgresql://auth:secret@/madoguchi",
            "postgresql://auth:secret@db/madoguchi?sslmode=prefer", "postgresql://auth:secret@db/madoguchi?options=x",
        ]
        for text in refused {
            #expect(throws: DatabaseURL.Invalid.self, "\(text)") { try DatabaseURL(parsing: text) }
            do {
                _ = try DatabaseURL(parsing: text)
            } catch {
                #expect(!error.description.contains("secret"), "\(error)")
            }
        }
    }

    @Test func theStringComesFromAFile_orTheSystemdCredential() throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        try Data("postgresql://billing@/madoguchi?host=/run/postgresql\n".utf8).write(to: URL(fileURLWithPath: folder.file("database-url")))
        #expect(try DatabaseURL.load(file: folder.file("database-url"), environment: [:]).username == "billing")
        #expect(try DatabaseURL.load(file: nil, environment: ["CREDENTIALS_DIRECTORY": folder.path]).username == "billing")
        let missing = #expect(throws: DatabaseURL.Invalid.self) { try DatabaseURL.load(file: nil, environment: [:]) }
        #expect(missing?.description.contains("LoadCredential=") == true)
        let unreadable = #expect(throws: DatabaseURL.Invalid.self) {
            try DatabaseURL.load(file: folder.file("nothing-here"), environment: [:])
        }
        #expect(unreadable?.description.contains("cannot be read") == true)
        // A wrong path to something endless is refused after 4 KiB, not read to the end.
        let endless = #expect(throws: DatabaseURL.Invalid.self) { try DatabaseURL.load(file: "/dev/zero", environment: [:]) }
        #expect(endless?.description == "the database URL file /dev/zero holds more than 4096 bytes: it is not a connection string")
    }
}
