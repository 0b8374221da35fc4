import Foundation
import JSONRPC
import ServiceContract

extension MethodRegistry {
    /// `service.keys` and `service.keys.retire`, the same in every service: how many
    /// records each server key version still protects, and the retirement of one that
    /// protects none and is not the current one (recorded with the operator's uid).
    mutating func registerKeyMethods(store: ServerKeyStore, keys: ServerKeys, clock: any ServiceClock) {
        register(ServiceKeys.self) { _, _ in
            let (recorded, usage) = (try await store.recorded(), try await store.usage())
            return ServiceKeys.Result(keys: recorded.map { Self.use($0, usage: usage, keys: keys) })
        }
        register(ServiceKeysRetire.self) { params, context in
            let version = params.version
            guard let key = try await store.recorded().first(where: { $0.version == version }) else {
                throw Self.keyInUse("The service has recorded no key version \(version).", records: [:])
            }
            if key.retiredAt != nil { return Self.use(key, usage: [:], keys: keys) }
            guard version != keys.currentVersion else {
                throw Self.keyInUse("Version \(version) is the current key: add a newer one and restart every host first.", records: [:])
            }
            let records = try await store.usage()[version] ?? [:]
            guard records.isEmpty else {
                throw Self.keyInUse(
                    "Key version \(version) still protects \(records.values.reduce(0, +)) stored records ("
                        + records.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
                        + "); nothing was changed.",
                    records: records)
            }
            let now = clock.now()
            do {
                try await store.retire(version, at: now, by: Int64(context.peer.uid))
            } catch let claimed as ServerKeyClaimed {
                throw Self.keyInUse(
                    "Key version \(version) is what \(claimed.claims.map(\.description).joined(separator: ", ")) still make"
                        + " everything new with: restart every host with the newer key first (a host that stopped counts"
                        + " for \(Int(ServerKeyLease.settleTime / 60)) minutes more, one that died for"
                        + " \(Int((ServerKeyLease.length + ServerKeyLease.settleTime) / 60)) after its last renewal);"
                        + " nothing was changed.",
                    records: [:])
            }
            context.logger.notice(
                "server key retired: its file is no longer needed", metadata: ["version": "\(version)", "uid": "\(context.peer.uid)"])
            var retired = key
            retired.retiredAt = now
            return Self.use(retired, usage: [:], keys: keys)
        }
    }

    private static func use(_ key: RecordedServerKey, usage: KeyUsage, keys: ServerKeys) -> ServerKeyUse {
        ServerKeyUse(
            version: key.version, current: key.version == keys.currentVersion,
            held: keys.heldVersions.contains(key.version), retiredAt: key.retiredAt.map(ISO8601.tokyo),
            records: (usage[key.version] ?? [:]).sorted { $0.key < $1.key }.map { KeyedRecordCount(kind: $0.key, count: $0.value) })
    }

    private static func keyInUse(_ message: String, records: [String: Int]) -> RPCError {
        RPCError(
            CommonReason.keyInUse, message: message,
            details: ["records": .object(records.mapValues { .int(Int64($0)) })])
    }
}
