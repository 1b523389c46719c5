import Foundation
import Logging
import SwitchboardStorage

/// What admin operations need to know about plugins: their manifests (settings schemas, routes).
/// The running server answers from its loaded plugins; the CLI from the plugin files on disk.
public protocol PluginCatalog: Sendable {
    func manifest(of plugin: String) -> PluginManifest?
}

extension PluginRuntime: PluginCatalog {}

/// Plugin manifests read from the plugin files without starting them: each file is opened
/// and its descriptor read; no on_init runs. Used by CLI commands that work with no server.
public struct FilePluginCatalog: PluginCatalog {
    public let manifests: [String: PluginManifest]
    /// Files that could not be described, with the reason.
    public let failures: [PluginLoadError]

    public init(
        directories: [String], enabled: [String]?, sqlDialect: PluginSQLDialect.Mode = .portable, logger: Logger
    ) {
        let loader = PluginLoader(
            directories: directories, enabled: enabled, threadsPerPlugin: 1, logger: logger, sqlDialect: sqlDialect)
        var manifests: [String: PluginManifest] = [:]
        var failures: [PluginLoadError] = []
        for file in loader.discover() {
            if let enabled, !enabled.contains(PluginLoader.stem(ofFile: file)) { continue }
            do {
                let manifest = try loader.describe(file)
                manifests[manifest.name] = manifest
            } catch {
                failures.append(error)
            }
        }
        self.manifests = manifests
        self.failures = failures
    }

    public func manifest(of plugin: String) -> PluginManifest? { manifests[plugin] }
}
