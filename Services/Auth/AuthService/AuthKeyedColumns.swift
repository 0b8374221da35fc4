import ServiceKit

extension AuthService {
    /// Every hash a server key made in auth: PINs (and changes waiting to apply),
    /// passwords, sessions and one-time codes.
    public static var keyedColumns: [KeyedColumn] {
        [
            KeyedColumn("pin", table: "pin", column: "hash"),
            KeyedColumn("pending_pin", table: "pin", column: "pendingHash", postgresColumn: "pending_hash"),
            KeyedColumn("password", table: "password", column: "encoded", form: .passwordHash),
            KeyedColumn("session", table: "session", column: "tokenHash", postgresColumn: "token_hash"),
            KeyedColumn("code", table: "oneTimeCode", column: "hash", postgresTable: "one_time_code"),
        ]
    }
}
