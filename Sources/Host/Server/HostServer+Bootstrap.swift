import Foundation
import Logging
import SwitchboardStorage

/// The configuration's `[[instances]]` (and the legacy environment's instance) in the registry.
extension HostServer {
    /// Bring the registry in line with one configured instance: create it (and its tenant) when
    /// missing; when it exists and the entry is a `refresh` one, update its settings and secrets
    /// (sealed, as the admin API stores them) and make it the default.
    ///
    /// A `refresh` entry (the legacy environment's) takes the default over from another
    /// instance, since the legacy URL must reach it; the change is logged naming both.
    ///
    /// - Returns: the ids of the instances to start or reconfigure; empty when nothing changed or
    ///   the entry was skipped (logged: settings that do not fit the plugin's schema, a name
    ///   another tenant holds). Runs in one registry transaction.
    func applyBootstrapInstance(_ wanted: HostConfiguration.BootstrapInstance) throws -> [String] {
        try runtime.database.connection.transaction {
            var changed: [String] = []
            if let id = try applyBootstrapInstance(wanted, changed: &changed) { changed.append(id) }
            return changed
        }
    }

    private func applyBootstrapInstance(_ wanted: HostConfiguration.BootstrapInstance, changed: inout [String])
        throws -> String?
    {
        let database = runtime.database
        let tenant =
            try database.tenant(slug: wanted.tenant) ?? database.createTenant(slug: wanted.tenant, name: wanted.tenant)
        if let manifest = runtime.manifest(of: wanted.plugin),
            let violation = SettingsSchema(json: manifest.settingsSchema).validate(settingsJSON: wanted.settingsJSON)
        {
            logBootstrap(
                .error, "instance in configuration has invalid settings; skipped", wanted, ["error": "\(violation)"])
            return nil
        }
        let existing = try database.instance(plugin: wanted.plugin, name: wanted.name)
        if existing != nil, !wanted.refresh { return nil }
        if let existing, existing.tenantId != tenant.id {
            logBootstrap(.error, "instance in configuration belongs to another tenant; not refreshed", wanted, [:])
            return nil
        }
        let stored = existing.map(runtime.storedSecrets) ?? [:]
        let (plain, secrets) = SecretSettings.split(
            SecretSettings.object(wanted.settingsJSON), secretNames: runtime.secretNames(plugin: wanted.plugin),
            stored: stored)
        let isDefault = try mayBeDefault(wanted, changed: &changed)
        guard let existing else {
            let record = try database.createInstance(
                tenantId: tenant.id, plugin: wanted.plugin, name: wanted.name, isDefault: isDefault, enabled: true,
                settings: SecretSettings.json(plain), secrets: try runtime.sealSecrets(secrets))
            logBootstrap(.info, "created instance from configuration", wanted, [:])
            return record.id
        }
        // Settings the entry does not name keep their stored values.
        let settings = SecretSettings.json(SecretSettings.object(existing.settings).merging(plain) { $1 })
        let becomesDefault = isDefault && !existing.isDefault
        guard
            settings != existing.settings || SecretSettings.json(secrets) != SecretSettings.json(stored)
                || becomesDefault
        else { return nil }
        try database.updateInstance(
            id: existing.id, settings: settings, isDefault: becomesDefault ? true : nil,
            secrets: try runtime.sealSecrets(secrets).map { .set($0) } ?? .clear)
        logBootstrap(.info, "refreshed instance from configuration", wanted, [:])
        return existing.id
    }

    /// Whether a configured instance may be its plugin's default: not when it does not ask to be,
    /// nor when another instance already is (that is logged, naming both, and left as it is).
    private func mayBeDefault(_ wanted: HostConfiguration.BootstrapInstance, changed: inout [String]) throws -> Bool {
        guard wanted.isDefault else { return false }
        guard let holder = try runtime.database.defaultInstance(plugin: wanted.plugin), holder.name != wanted.name
        else { return true }
        if wanted.refresh {
            try runtime.database.updateInstance(id: holder.id, isDefault: false)
            changed.append(holder.id)
            logBootstrap(
                .warning, "legacy environment instance takes over as the plugin's default", wanted,
                ["previous_default": "\(holder.name)"])
            return true
        }
        logBootstrap(
            .error, "instance in configuration not made the default: another instance of the plugin is", wanted,
            ["default_instance": "\(holder.name)"])
        return false
    }

    /// Names only: settings (secrets above all) never reach the log.
    private func logBootstrap(
        _ level: Logger.Level, _ message: Logger.Message, _ wanted: HostConfiguration.BootstrapInstance,
        _ extra: Logger.Metadata
    ) {
        let metadata: Logger.Metadata = ["plugin": "\(wanted.plugin)", "instance": "\(wanted.name)"]
        logger.log(level: level, message, metadata: metadata.merging(extra) { $1 })
    }
}
