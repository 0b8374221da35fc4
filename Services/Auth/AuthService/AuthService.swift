import AuthAPI
import GRDB
import JSONRPC
import Logging
import MadoguchiModels
import ServiceContract
import ServiceKit
import ServiceLifecycle

/// Madoguchi auth/PIN service: PINs, passwords, sessions and one-time codes.
///
/// Built so far: PINs (set with guessable-value rules, verify with lockout until the next
/// midnight in Tokyo, status), stored as keyed hashes with an audit trail.
public struct AuthService: ServiceDefinition {
    public static let service = ServiceName.auth
    public typealias Reason = AuthError.Reason
    public static let title = "Madoguchi auth/PIN service: PINs, passwords, sessions and one-time codes."

    private let pins: PINBook
    private let codes: OneTimeCodes
    private let passwords: Passwords
    private let sessions: Sessions
    private let operators: OperatorPolicy
    private let serviceCallers: ServiceCallerPolicy
    private let logger: Logger
    private let audit: any AuditTrail
    private let idempotentCalls: IdempotentCalls

    public init(resources: ServiceResources, options: AuthOptions) {
        let stores = AuthStores(resources)
        let throttle = CallerThrottle(
            limit: options.callerFailureLimit, window: options.callerFailureWindow, shared: stores.sharedCallerFailures,
            storageFaults: resources.storageFaults)
        // Services relay their end users' origins as front ends do.
        let frontEnds = FrontEndPolicy(
            group: resources.configuration.origins.frontEnds, services: resources.configuration.serviceCallers)
        var policy = PINPolicy()
        policy.maximumFailures = options.pinMaximumFailures
        policy.changeDelay = options.pinChangeDelay
        policy.length.merge((try? options.pinLengths()) ?? [:]) { _, configured in configured }
        var passwordPolicy = PasswordPolicy()
        passwordPolicy.lengths = options.passwordMinimumLength...options.passwordMaximumLength
        passwordPolicy.minimumKinds = options.passwordMinimumKinds
        pins = PINBook(
            store: stores.pins,
            clock: resources.clock, hasher: SecretHasher(keys: resources.keys, purpose: "pin"), policy: policy,
            throttle: throttle, frontEnds: frontEnds, idempotentCalls: resources.idempotentCalls,
            storageFaults: resources.storageFaults, unrecorded: PendingFailures())
        audit = stores.audit
        passwords = Passwords(
            store: stores.passwords, audit: stores.audit, clock: resources.clock,
            hasher: PasswordHasher(keys: resources.keys, threads: options.hashThreads),
            policy: passwordPolicy, throttle: throttle, frontEnds: frontEnds, storageFaults: resources.storageFaults,
            unrecorded: PendingFailures())
        sessions = Sessions(
            store: stores.sessions, clock: resources.clock,
            hasher: SecretHasher(keys: resources.keys, purpose: "session", unheldKeys: resources.unheldKeys), pins: pins, passwords: passwords,
            lifetime: options.sessionLifetime)
        codes = OneTimeCodes(
            store: stores.codes,
            clock: resources.clock, hasher: SecretHasher(keys: resources.keys, purpose: "one-time-code"),
            storageFaults: resources.storageFaults,
            issues: AttemptThrottle(store: stores.attempts, clock: resources.clock, storageFaults: resources.storageFaults),
            issueLimit: AttemptThrottle.Rule(limit: options.codeIssueLimit, window: 3600))
        operators = resources.configuration.operators
        serviceCallers = resources.configuration.serviceCallers
        logger = resources.logger
        idempotentCalls = resources.idempotentCalls
    }

    public var backgroundServices: [any Service] { [PendingPINChanges(pins: pins, logger: logger)] }

    public static func registerMigrations(in migrator: inout DatabaseMigrator) {
        AuthSchema.registerMigrations(in: &migrator)
        OneTimeCodeRecord.registerMigrations(in: &migrator)
        SQLitePasswordStore.registerMigrations(in: &migrator)
        SQLiteSessionStore.registerMigrations(in: &migrator)
        AuthSchema.registerRetentionIndexes(in: &migrator)
    }

    /// Auth keeps all of its state in PostgreSQL with `--database postgres`.
    public static func registerPostgresMigrations(in migrator: inout PostgresMigrator) {
        AuthPostgresSchema.registerMigrations(in: &migrator)
    }

    public func registerMethods(in registry: inout MethodRegistry) {
        // Who may call each method is declared with it (`access`) and checked by the
        // registry: setting a credential without the old one and sending a code are for
        // the services and operators (`.service`), resets and the audit for operators.
        registerPINMethods(in: &registry)
        registerCodeAndAuditMethods(in: &registry)
        registerPasswordMethods(in: &registry)
        registerSessionMethods(in: &registry)
    }

    private func registerPINMethods(in registry: inout MethodRegistry) {
        registry.register(PINSet.self) { params, context in
            return try await pins.set(
                params.pin, subject: params.subject, kind: params.kind,
                holder: PINHolderFacts(
                    birthDate: params.birthDate, phoneNumbers: params.phoneNumbers ?? [], cardPIN: params.cardPIN),
                issued: params.issued ?? false, channel: params.channel ?? .web, peer: context.peer)
        }
        registry.register(PINReset.self) { params, context in
            return try await pins.reset(
                params.pin, subject: params.subject, kind: params.kind, staff: params.staff, reason: params.reason,
                peer: context.peer)
        }
        registry.register(PINVerify.self) { [idempotentCalls] params, context in
            let keyed = try params.idempotencyKey.map {
                try idempotentCalls.call(PINVerify.name, key: $0, params: params, peer: context.peer)
            }
            return try await pins.verify(
                params.pin, subject: params.subject, kind: params.kind, peer: context.peer, origin: params.origin,
                repeating: keyed)
        }
        registry.register(PINChange.self) { params, context in
            try await pins.change(
                current: params.currentPIN, new: params.newPIN, subject: params.subject, kind: params.kind,
                holder: PINHolderFacts(birthDate: params.birthDate, phoneNumbers: params.phoneNumbers ?? []),
                email: params.email, channel: params.channel ?? .web, peer: context.peer, origin: params.origin)
        }
        registry.register(PINStatusMethod.self) { params, context in
            try await pins.status(subject: params.subject, kind: params.kind, peer: context.peer)
        }
    }

    private func registerCodeAndAuditMethods(in registry: inout MethodRegistry) {
        registry.register(OTPIssue.self) { [idempotentCalls] params, context in
            let keyed = try params.idempotencyKey.map {
                try idempotentCalls.call(OTPIssue.name, key: $0, params: params, peer: context.peer)
            }
            return try await codes.issue(purpose: params.purpose, destination: params.destination, repeating: keyed)
        }
        registry.register(OTPVerify.self) { params, context in
            return try await codes.verify(purpose: params.purpose, destination: params.destination, code: params.code)
        }
        registry.register(AuditList.self) { [audit] params, context in
            let limit = min(max(params.limit ?? 100, 1), 1000)
            let range = try AuditRange(since: params.since, until: params.until)
            return try await audit.newest(subject: params.subject?.value, in: range, limit: limit).map(AuditEntry.init)
        }
    }

    private func registerPasswordMethods(in registry: inout MethodRegistry) {
        registry.register(PasswordSet.self) { params, context in
            try await passwords.set(
                params.password, for: params.loginId, realm: params.realm ?? .login, pending: params.pending ?? false,
                customerNumber: params.customerNumber?.digits, peer: context.peer)
            return PasswordResult(ok: true)
        }
        registry.register(PasswordActivate.self) { params, context in
            try await passwords.activate(params.loginId, password: params.password, peer: context.peer, origin: params.origin)
            return PasswordResult(ok: true)
        }
        registry.register(PasswordVerify.self) { params, context in
            try await passwords.verify(
                params.password, for: params.loginId, realm: params.realm ?? .login, peer: context.peer, origin: params.origin)
            return PasswordResult(ok: true)
        }
        registry.register(PasswordChange.self) { params, context in
            try await passwords.change(
                from: params.currentPassword, to: params.newPassword, for: params.loginId, peer: context.peer, origin: params.origin)
            return PasswordResult(ok: true)
        }
    }

    private func registerSessionMethods(in registry: inout MethodRegistry) {
        registry.register(SessionOpen.self) { params, context in
            try await sessions.open(params.login, peer: context.peer, origin: params.origin)
        }
        registry.register(SessionCheck.self) { params, _ in try await sessions.check(params.token) }
        registry.register(SessionClose.self) { params, _ in
            try await sessions.close(params.token)
            return PasswordResult(ok: true)
        }
    }
}
