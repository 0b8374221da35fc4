import Foundation
import Testing
import TestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// The sandbox's readiness check (a socket listens on a path, asked of the kernel):
/// a bound socket is not yet listening, a listening one is, a closed one no longer is.
@Suite(.sandboxed) struct ListeningUnixSocketsTests {
    @Test func aSocketIsListedOnlyWhileItListens() throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let path = folder.file("probe.sock")
        // Close-on-exec: other tests spawn processes meanwhile, and a child that inherited
        // the socket would keep it listening after this test closes it.
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        try #require(fd >= 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(path.utf8)) }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        try #require(bound == 0)
        #expect(try !ListeningUnixSockets.contains(path))
        try #require(listen(fd, 1) == 0)
        #expect(try ListeningUnixSockets.contains(path))
        close(fd)
        #expect(try !ListeningUnixSockets.contains(path))
    }
}
