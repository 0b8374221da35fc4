import Foundation
import JSONRPC

/// `service.info`: what this process is and how it was started.
public enum ServiceInfo: RPCMethod {
    public static let name = "service.info"
    public static let access = MethodAccess.anyCaller
    public static let summary =
        "Name, version, pid, uptime, whether the process was socket-activated, its clock, and the calls it is answering."

    @WireObject
    public struct Result: Codable, Sendable, Hashable {
        public var name: String
        public var version: String
        @WireSchema(.integer())
        public var pid: Int32
        public var uptimeSeconds: Double
        public var socketActivated: Bool
        /// `"system"`, or `"file"` for a test clock.
        @WireSchema(.enumeration(["system", "file"]))
        public var clock: String
        /// "Now" by the service clock, in Japan time.
        @WireSchema(.string(format: "date-time"))
        public var now: String
        /// The soft open-file limit after raising it.
        @WireSchema(.integer())
        public var openFileLimit: UInt64
        /// Calls being answered now, across connections.
        public var callsInFlight: Int
        /// The most calls answered at once since the process started.
        public var peakCallsInFlight: Int
    }
}
