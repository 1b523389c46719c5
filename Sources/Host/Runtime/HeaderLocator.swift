import Foundation

/// Finds the folder holding switchboard_plugin.h, so third parties can build against an
/// installed host: `cc -I"$(switchboard sdk include-path)" ...`.
public enum HeaderLocator {
    static let header = "switchboard_plugin.h"

    public static func includePath(
        executableDirectory: String, environment: [String: String] = ProcessInfo.processInfo.environment
    ) -> String? {
        var candidates: [String] = []
        if let explicit = environment["SWITCHBOARD_INCLUDE_DIR"] { candidates.append(explicit) }
        let exe = executableDirectory as NSString
        candidates.append(exe.appendingPathComponent("../include/switchboard"))
        candidates.append(exe.appendingPathComponent("../share/switchboard/include"))
        // A source checkout: .build/<triple>/debug/switchboard → Sources/PluginAPI/include.
        candidates.append(exe.appendingPathComponent("../../../Sources/PluginAPI/include"))
        candidates.append(exe.appendingPathComponent("../../Sources/PluginAPI/include"))
        // The tree this binary was built from.
        let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("PluginAPI/include").path
        candidates.append(source)
        for candidate in candidates {
            let path = URL(fileURLWithPath: candidate).standardizedFileURL.path
            if FileManager.default.fileExists(atPath: (path as NSString).appendingPathComponent(header)) { return path }
        }
        return nil
    }
}
