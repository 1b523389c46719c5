import Foundation

/// What ``DataMigration`` copied and what to do next, as text for the command line. Holds no
/// password and no secret: the target appears with its password masked, the master key only
/// by the path of its file.
public struct DataMigrationSummary: Sendable {
    public let source: SQLiteSource
    public let target: PostgresTarget
    /// Rows per host table on both sides, in copy order.
    let tables: [HostTableCopier.TableCount]
    /// The plugin stores copied.
    let pluginStores: [PluginStoreCopier.Result]
    /// Whether the install's key came from `SWITCHBOARD_MASTER_KEY` rather than `master.key`.
    let masterKeyFromEnvironment: Bool

    /// Rows copied into `table` (nil when it was not copied).
    public func rows(in table: String) -> Int64? { tables.first { $0.table == table }?.target }

    /// How many plugin stores were copied.
    public var pluginStoreCount: Int { pluginStores.count }

    /// The report, one line per item.
    public var text: String {
        var lines = ["copied \(source.dataDirectory) (SQLite) to \(target.redacted)", "", "host tables (rows):"]
        let width = tables.map(\.table.count).max() ?? 0
        for count in tables {
            lines.append("  \(count.table.padding(toLength: width, withPad: " ", startingAt: 0))  \(count.target)")
        }
        lines.append("")
        if pluginStores.isEmpty {
            lines.append("plugin stores: none")
        } else {
            lines.append("plugin stores (tenant/plugin: tables, rows, KV entries):")
            for store in pluginStores {
                let tables = store.tables.map { "\($0.name) \($0.rows)" }.joined(separator: ", ")
                lines.append(
                    "  \(store.tenant)/\(store.plugin): \(store.tables.count) tables, \(store.rows) rows, \(store.kvEntries) KV entries"
                        + (tables.isEmpty ? "" : " (\(tables))")
                        + (store.migrations.isEmpty ? "" : "; migrations \(store.migrations.joined(separator: ", "))"))
            }
        }
        lines.append("")
        lines.append("verified: the row counts of every host table and plugin table match on both sides")
        lines.append("")
        lines.append("next steps:")
        lines.append("  1. stop the hosts using \(source.dataDirectory) for good (later writes there are not copied)")
        lines.append("  2. set [database] url = \"\(target.maskedURL)\" (or SWITCHBOARD_DATABASE_URL) on every host")
        if masterKeyFromEnvironment {
            lines.append(
                "  3. every host on PostgreSQL needs this install's master key: set the same SWITCHBOARD_MASTER_KEY on each"
            )
        } else if !FileManager.default.fileExists(atPath: source.masterKeyPath) {
            lines.append(
                "  3. every host on PostgreSQL needs the master key this install used (there is no \(source.masterKeyPath)): set it as SWITCHBOARD_MASTER_KEY on each, or the copied secrets cannot be decrypted"
            )
        } else {
            lines.append(
                "  3. every host on PostgreSQL needs this install's master key, or it cannot decrypt the copied secrets: set SWITCHBOARD_MASTER_KEY=<base64 of master.key> on each, e.g. SWITCHBOARD_MASTER_KEY=\"$(cat \(source.masterKeyPath))\" (keep it secret)"
            )
        }
        lines.append("  4. keep \(source.dataDirectory) as a backup until the new setup has run for a while")
        return lines.joined(separator: "\n")
    }
}
