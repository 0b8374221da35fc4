/// Where a server listens.
public struct ListenAddress: Sendable, Hashable, CustomStringConvertible {
    enum Kind: Sendable, Hashable {
        case inherited(fileDescriptor: Int32, name: String)
        case path(String)
    }

    let kind: Kind

    /// A listening socket handed over by the service manager (socket activation).
    /// The server neither binds nor removes it: the manager owns it.
    public static func inherited(fileDescriptor: Int32, name: String) -> ListenAddress {
        ListenAddress(kind: .inherited(fileDescriptor: fileDescriptor, name: name))
    }

    /// A Unix socket path the server binds itself (mode 0660) and removes when it stops.
    public static func path(_ path: String) -> ListenAddress {
        ListenAddress(kind: .path(path))
    }

    /// Whether the socket came from the service manager.
    public var isInherited: Bool {
        if case .inherited = kind { return true }
        return false
    }

    /// The socket path the server binds, `nil` for an inherited socket.
    public var path: String? {
        if case .path(let path) = kind { return path }
        return nil
    }

    public var description: String {
        switch kind {
        case .inherited(let fileDescriptor, let name): "inherited fd \(fileDescriptor) (\(name))"
        case .path(let path): path
        }
    }
}
