import Foundation
import NIOSSL
import PostgresNIO

/// Where a service's PostgreSQL database is, read from a connection string
/// (`postgresql://user[:password]@host[:port]/database`, libpq's form):
///
/// - `postgresql://auth@/madoguchi?host=/run/postgresql`: a Unix socket in that folder
///   (`.s.PGSQL.<port>`), no TLS — one host, or a local pooler;
/// - `postgresql://auth:secret@db.example.jp/madoguchi`: TCP with TLS, the server's
///   certificate verified against the system's roots and its name (`sslmode=verify-full`,
///   the default); `sslmode=disable` only where the network is the host's own.
///
/// The string holds a password, so it is read from a file — a systemd credential — and
/// never from the command line or a unit file, and it is never logged: `description`
/// leaves the password out.
public struct DatabaseURL: Sendable, CustomStringConvertible {
    /// How the service reaches the server.
    public enum Endpoint: Sendable, Equatable {
        case unixSocket(path: String)
        case tcp(host: String, port: Int, verifyingTLS: Bool)
    }

    public var endpoint: Endpoint
    public var username: String
    public var database: String
    private var password: String?

    /// Why a connection string was refused. Never quotes the string (it may hold a password).
    public struct Invalid: Error, CustomStringConvertible {
        public var description: String
    }

    /// Parses `text` (surrounding white space and a final newline ignored).
    public init(parsing text: String) throws(Invalid) {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard let components = URLComponents(string: trimmed),
            components.scheme == "postgresql" || components.scheme == "postgres"
        else { throw Invalid(description: "the database URL must start with postgresql://") }
        guard let user = components.percentEncodedUser.flatMap({ $0.removingPercentEncoding }), !user.isEmpty else {
            throw Invalid(description: "the database URL names no user (postgresql://USER@…)")
        }
        let name = String(components.percentEncodedPath.dropFirst()).removingPercentEncoding ?? ""
        guard !name.isEmpty, !name.contains("/") else {
            throw Invalid(description: "the database URL names no database (…/DATABASE)")
        }
        var query: [String: String] = [:]
        for item in components.queryItems ?? [] {
            guard let value = item.value else { continue }
            query[item.name] = value
        }
        let known: Set<String> = ["host", "port", "sslmode"]
        if let unknown = query.keys.sorted().first(where: { !known.contains($0) }) {
            throw Invalid(description: "the database URL has a parameter this service does not know: \(unknown)")
        }
        let port = components.port ?? Int(query["port"] ?? "") ?? 5432
        guard (1...65535).contains(port) else { throw Invalid(description: "the database URL's port is not 1–65535") }
        let host = query["host"] ?? components.host.flatMap { $0.isEmpty ? nil : $0 }
        switch (host, query["sslmode"] ?? "verify-full") {
        case (let folder?, "verify-full"), (let folder?, "disable"):
            if folder.hasPrefix("/") {
                endpoint = .unixSocket(path: folder + "/.s.PGSQL.\(port)")
            } else {
                endpoint = .tcp(host: folder, port: port, verifyingTLS: query["sslmode"] != "disable")
            }
        case (nil, _):
            throw Invalid(description: "the database URL names no host (…@HOST/… or ?host=/socket/folder)")
        case (_, let mode):
            throw Invalid(description: "the database URL's sslmode is \(mode); this service knows verify-full and disable")
        }
        username = user
        database = name
        password = components.percentEncodedPassword?.removingPercentEncoding
    }

    /// The most a connection string's file may hold.
    static let maximumFileBytes = 4096

    /// Reads the connection string from `file`, or else from the systemd credential
    /// `database-url` (`$CREDENTIALS_DIRECTORY/database-url`, `LoadCredential=`).
    public static func load(file: String?, environment: [String: String]) throws(Invalid) -> DatabaseURL {
        let path: String
        if let file {
            path = file
        } else if let credentials = environment["CREDENTIALS_DIRECTORY"] {
            path = credentials + "/database-url"
        } else {
            throw Invalid(
                description: "no database URL: give --database-url-file, or the systemd credential database-url (LoadCredential=)")
        }
        let data: Data
        do {
            data = try SmallFile.read(path, limit: maximumFileBytes)
        } catch .tooLarge(let limit) {
            throw Invalid(description: "the database URL file \(path) holds more than \(limit) bytes: it is not a connection string")
        } catch {
            throw Invalid(description: "the database URL file \(path) cannot be read")
        }
        return try DatabaseURL(parsing: String(decoding: data, as: UTF8.self))
    }

    /// The client configuration for this database.
    public var clientConfiguration: PostgresClient.Configuration {
        switch endpoint {
        case .unixSocket(let path):
            var configuration = PostgresClient.Configuration(
                unixSocketPath: path, username: username, password: password, database: database)
            // No keep-alive query on a local socket: there is no middlebox to keep open,
            // and a server that goes away closes the socket, which the pool sees at once.
            // postgres-nio arms its keep-alive timer each time a connection goes idle, a
            // cost on every query (BENCHMARKS.md); over TCP it stays, against firewalls
            // and NAT that drop a quiet connection without a word.
            configuration.options.keepAliveBehavior = nil
            return configuration
        case .tcp(let host, let port, let verifyingTLS):
            return PostgresClient.Configuration(
                host: host, port: port, username: username, password: password, database: database,
                tls: verifyingTLS ? .require(.makeClientConfiguration()) : .disable)
        }
    }

    /// The URL without its password, for logs and errors.
    public var description: String {
        switch endpoint {
        case .unixSocket(let path):
            "postgresql://\(username)@/\(database) (socket \(path))"
        case .tcp(let host, let port, let verifyingTLS):
            "postgresql://\(username)@\(host):\(port)/\(database)\(verifyingTLS ? "" : " (no TLS)")"
        }
    }
}
