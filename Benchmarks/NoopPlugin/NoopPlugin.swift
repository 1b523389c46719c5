// NoopPlugin: a Swift SDK channel plugin whose hooks do (almost) nothing.
// The subject of the "SDK hook round trip" benchmark: timing its on_timer measures the
// host -> SDK trampoline -> ChannelInstance -> host path and nothing else.
import SwitchboardSDK

@_cdecl("switchboard_plugin_entry")
public func entry(_ major: UInt16, _ minor: UInt16, _ err: PluginEntryError) -> PluginEntryResult {
    exportPlugin(NoopPlugin.self, major, minor, err)
}

final class NoopPlugin: ChannelPlugin {
    static let descriptor = PluginDescription(name: "noop", version: "1.0.0")

    init(host: PluginHost) {}

    func startInstance(_ context: InstanceContext) throws -> any ChannelInstance {
        NoopInstance()
    }
}

final class NoopInstance: ChannelInstance {
    /// No-op: the benchmarked hook.
    func timerFired(_ timer: TimerHandle, userData: UInt64) {}

    /// No-op-ish: accepts every message without an external id.
    func send(_ message: OutboundMessage) throws -> SendResult { .sent }
}
