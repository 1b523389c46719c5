import Foundation

/// Which settings are secrets (the plugin's schema marks them `"writeOnly": true`) and how they
/// are split from the plain settings, merged back, and masked. Pure: no I/O.
enum SecretSettings {
    /// What the API shows instead of a secret value; sending it back keeps the stored value.
    static let mask = "********"

    /// Top-level property names the schema marks `writeOnly`.
    static func names(inSchema schema: String) -> Set<String> {
        guard let root = (try? JSONSerialization.jsonObject(with: Data(schema.utf8))) as? [String: Any],
            let properties = root["properties"] as? [String: Any]
        else { return [] }
        return Set(
            properties.compactMap { name, value in
                ((value as? [String: Any])?["writeOnly"] as? Bool) == true ? name : nil
            })
    }

    /// Split submitted settings into plain settings and secrets, applying them over the secrets
    /// already stored: the mask keeps a stored value, null removes it, an omitted secret stays.
    static func split(_ submitted: [String: Any], secretNames: Set<String>, stored: [String: Any]) -> (
        plain: [String: Any], secrets: [String: Any]
    ) {
        var plain: [String: Any] = [:]
        var secrets = stored
        for (name, value) in submitted {
            guard secretNames.contains(name) else {
                if !(value is NSNull) { plain[name] = value }
                continue
            }
            if value is NSNull {
                secrets[name] = nil
            } else if (value as? String) != mask {
                secrets[name] = value
            }
        }
        return (plain, secrets)
    }

    /// Plain settings with every stored secret shown as the mask.
    static func masked(_ plain: [String: Any], secrets: [String: Any]) -> [String: Any] {
        var result = plain
        for name in secrets.keys { result[name] = mask }
        return result
    }

    static func object(_ json: String) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(json.utf8))) as? [String: Any] ?? [:]
    }

    static func json(_ object: [String: Any]) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}
