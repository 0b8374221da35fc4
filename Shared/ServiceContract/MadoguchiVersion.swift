/// The version every Madoguchi executable reports (`--version`, `service.info`,
/// `rpc.discover`).
public enum MadoguchiVersion {
    public static let current = "0.1.0"
}
