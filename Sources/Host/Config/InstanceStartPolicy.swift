/// When the host starts a plugin's instances: all at start-up (`eager`) or at their first
/// request (`lazy`). Set with `[plugins] instance_start` or `SWITCHBOARD_PLUGINS_INSTANCE_START`.
public enum InstanceStartPolicy: String, Sendable, CaseIterable {
    case eager
    case lazy
}
