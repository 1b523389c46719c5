import Crypto
import Foundation

/// Encrypts instance secrets at rest with AES-GCM under the host's master key.
///
/// The key comes from `SWITCHBOARD_MASTER_KEY` (32 bytes, base64 or hex) or from
/// `<data>/master.key`, created with mode 0600 on first run. Secrets are decrypted only to
/// inject them into a plugin instance.
public struct SecretBox: Sendable {
    /// Why the master key could not be had.
    public struct KeyError: Error, CustomStringConvertible {
        public var description: String
    }

    private let key: SymmetricKey

    init(key: SymmetricKey) {
        self.key = key
    }

    /// A box with a fresh random key (scratch hosts and tests).
    public static func ephemeral() -> SecretBox { SecretBox(key: SymmetricKey(size: .bits256)) }

    /// The deployment's key: from the environment, else the key file (created when missing).
    public static func load(environment: [String: String], dataDirectory: String) throws -> SecretBox {
        if let text = environment["SWITCHBOARD_MASTER_KEY"], !text.isEmpty {
            guard let bytes = decode(text), bytes.count == 32 else {
                throw KeyError(description: "SWITCHBOARD_MASTER_KEY must be 32 bytes, base64 or hex")
            }
            return SecretBox(key: SymmetricKey(data: bytes))
        }
        let path = (dataDirectory as NSString).appendingPathComponent("master.key")
        if let text = try? String(contentsOfFile: path, encoding: .utf8) {
            guard let bytes = decode(text.trimmingCharacters(in: .whitespacesAndNewlines)), bytes.count == 32 else {
                throw KeyError(description: "\(path) does not hold a 32-byte base64 key")
            }
            return SecretBox(key: SymmetricKey(data: bytes))
        }
        try FileManager.default.createDirectory(atPath: dataDirectory, withIntermediateDirectories: true)
        let key = SymmetricKey(size: .bits256)
        let text = key.withUnsafeBytes { Data($0).base64EncodedString() } + "\n"
        guard
            FileManager.default.createFile(
                atPath: path, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600])
        else {
            throw KeyError(description: "cannot create \(path)")
        }
        return SecretBox(key: key)
    }

    /// Nonce, ciphertext and tag in one buffer.
    public func seal(_ plaintext: [UInt8]) throws -> [UInt8] {
        guard let combined = try AES.GCM.seal(plaintext, using: key).combined else {
            throw KeyError(description: "AES-GCM produced no combined box")
        }
        return Array(combined)
    }

    public func open(_ sealed: [UInt8]) throws -> [UInt8] {
        Array(try AES.GCM.open(AES.GCM.SealedBox(combined: sealed), using: key))
    }

    private static func decode(_ text: String) -> [UInt8]? {
        if let data = Data(base64Encoded: text) { return Array(data) }
        guard text.count == 64 else { return nil }
        var bytes: [UInt8] = []
        var index = text.startIndex
        while index < text.endIndex {
            let next = text.index(index, offsetBy: 2)
            guard let byte = UInt8(text[index..<next], radix: 16) else { return nil }
            bytes.append(byte)
            index = next
        }
        return bytes
    }
}
