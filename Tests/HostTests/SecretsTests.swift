import Foundation
import Testing

@testable import SwitchboardHost

/// Secret settings (the schema marks them writeOnly) are encrypted at rest, masked in the API,
/// and decrypted only to inject them into the plugin instance.
@Suite("Instance secrets")
struct SecretsTests {
    static let secret = "sk-live-5f0c1d2e3a4b"

    @Test("a secret setting is never stored or returned in plain text, yet reaches the plugin")
    func secretsAtRest() async throws {
        let host = try await LiveHost.start(label: "secrets")
        defer { Task { await host.stop() } }
        let id = try await host.createInstance(
            tenant: "acme", plugin: "evolution", name: "wa",
            settings: ["evolution_url": "http://127.0.0.1:9", "evolution_key": Self.secret])
        let shown = try await host.admin(.GET, "/instances/\(id)").json["settings"] as? [String: Any] ?? [:]
        #expect(shown["evolution_key"] as? String == SecretSettings.mask)
        #expect(shown["evolution_url"] as? String == "http://127.0.0.1:9")
        let listed = try await host.admin(.GET, "/instances").text
        #expect(!listed.contains(Self.secret))

        // The plugin gets it.
        let running = try #require(host.runtime.runningInstance(id: id))
        let config = String(decoding: running.snapshot.configJSON, as: UTF8.self)
        #expect(config.contains(Self.secret))

        // Sending the mask back keeps it; other settings change.
        let patched = try await host.admin(
            .PATCH, "/instances/\(id)",
            json: ["settings": ["evolution_url": "http://127.0.0.1:10", "evolution_key": SecretSettings.mask]])
        #expect(patched.status == 200, "\(patched.text)")
        let again = String(
            decoding: try #require(host.runtime.runningInstance(id: id)).snapshot.configJSON, as: UTF8.self)
        #expect(again.contains(Self.secret) && again.contains("127.0.0.1:10"))

        // No file under the data directory holds it in plain text (WAL files included).
        let files = try FileManager.default.subpathsOfDirectory(atPath: host.dataDirectory)
        #expect(files.contains("host.sqlite"))
        #expect(files.contains("master.key"))
        let attributes = try FileManager.default.attributesOfItem(atPath: host.dataDirectory + "/master.key")
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        for file in files {
            guard let data = FileManager.default.contents(atPath: host.dataDirectory + "/" + file) else { continue }
            #expect(data.range(of: Data(Self.secret.utf8)) == nil, "\(file) holds the secret in plain text")
        }
    }

    @Test func splitAndMask() {
        let names: Set<String> = ["token"]
        let (plain, secrets) = SecretSettings.split(
            ["url": "u", "token": SecretSettings.mask, "gone": NSNull()], secretNames: names, stored: ["token": "old"])
        #expect(plain.keys.sorted() == ["url"])
        #expect(secrets["token"] as? String == "old", "the mask keeps the stored value")
        let cleared = SecretSettings.split(["token": NSNull()], secretNames: names, stored: ["token": "old"]).secrets
        #expect(cleared.isEmpty)
        #expect(SecretSettings.names(inSchema: #"{"properties":{"a":{"writeOnly":true},"b":{}}}"#) == ["a"])
    }

    @Test func sealAndOpen() throws {
        let box = SecretBox.ephemeral()
        let sealed = try box.seal(Array("hello".utf8))
        #expect(sealed != Array("hello".utf8))
        #expect(try box.open(sealed) == Array("hello".utf8))
        #expect(throws: (any Error).self) { try SecretBox.ephemeral().open(sealed) }
    }
}
