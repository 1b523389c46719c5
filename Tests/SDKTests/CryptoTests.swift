import SwitchboardSDK
import Testing

/// FIPS 180-4 / RFC 2202 / RFC 4231 vectors, plus lengths around the padding boundary
/// (expected values from Python's hashlib).
@Suite struct CryptoTests {
    private func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }
    /// (i * 7) mod 256 for i in 0..<n: the inputs of the boundary vectors.
    private func pattern(_ n: Int) -> [UInt8] { (0..<n).map { UInt8((($0 * 7) % 256)) } }

    @Test func sha1KnownAnswers() {
        #expect(hexString(SHA1.hash([])) == "da39a3ee5e6b4b0d3255bfef95601890afd80709")
        #expect(hexString(SHA1.hash(bytes("abc"))) == "a9993e364706816aba3e25717850c26c9cd0d89d")
        #expect(
            hexString(SHA1.hash(bytes("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")))
                == "84983e441c3bd26ebaae4aa1f95129e5e54670f1")
    }

    @Test func sha256KnownAnswers() {
        #expect(hexString(SHA256.hash([])) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(
            hexString(SHA256.hash(bytes("abc"))) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(
            hexString(SHA256.hash(bytes("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")))
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    @Test(arguments: [
        (55, "aecd1643c9903b9bae8cb94f53c50f8a4e18605b", "576a1bf8d4478657e6dc4af9398544765c2a92cde28478b019235cfed315fc09"),
        (56, "f5d65c621c02cc8e785159feff8088e3072da1bc", "9b20501dfd1d99161c257950f3444f3e49230c351c5c8e0943ef369f85f5205d"),
        (63, "4952f0fe097e4d6410ae9eab4855aa836caf3bff", "30b345906b493f06f69444b6521113511c242f30e29840462950035043682f1e"),
        (64, "1e17ae1fc093e5daca033553c97a5192ca164486", "d8bc63b4fc1156e5e7d95a418b9bf54cd3174bedbc2db40f74895349b229b3c0"),
        (65, "ac44f5dbe3e9b5d2733fc9537fcad715c3c20bc3", "1ee23b0fbcaecc1aff4a9e8f1645f35ab2c8e13609cd73b68df8b5e3f63ce073"),
        (119, "b4a4e69060d0b1e7e8ebbf7041a4211c63438b57", "7a6589821178918ca8d9edaba5abfc1e9b2669564f4469b66885379c1530b2c8"),
        (120, "b651390c2996406336a3f6647e4b590c18cdd6f8", "655250427d56b1b0eeb8497d21428704273458a01772d6881b65c0abac0f8a98"),
    ])
    func paddingBoundaries(length: Int, sha1: String, sha256: String) {
        #expect(hexString(SHA1.hash(pattern(length))) == sha1)
        #expect(hexString(SHA256.hash(pattern(length))) == sha256)
    }

    @Test func hmacKnownAnswers() {
        let jefe = bytes("Jefe"), question = bytes("what do ya want for nothing?")
        #expect(hexString(HMAC.sha1(key: jefe, message: question)) == "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79")
        #expect(
            hexString(HMAC.sha256(key: jefe, message: question))
                == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
        // Keys longer than the block are hashed first.
        let longMessage = bytes("Test Using Larger Than Block-Size Key - Hash Key First")
        #expect(
            hexString(HMAC.sha1(key: [UInt8](repeating: 0xaa, count: 80), message: longMessage))
                == "aa4ae5e15272d00e95705637ce8a3b55ed402112")
        #expect(
            hexString(HMAC.sha256(key: [UInt8](repeating: 0xaa, count: 131), message: longMessage))
                == "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54")
    }

    @Test func base64RoundTripsEveryLength() {
        // RFC 4648 section 10.
        let expected = ["", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"]
        for (n, text) in expected.enumerated() {
            let input = Array("foobar".utf8.prefix(n))
            #expect(Base64.encode(input) == text)
            #expect(Base64.decode(text) == input)
        }
        let all = (0..<256).map { UInt8($0) }
        #expect(Base64.decode(Base64.encode(all)) == all)
        #expect(Base64.decode(Base64.encode(all, url: true, padding: false), url: true) == all)
    }

    @Test func base64RefusesWhatIsNotBase64() {
        #expect(Base64.decode("Zm9v!") == nil)
        #expect(Base64.decode("Zg=a") == nil, "data after padding")
        #expect(Base64.decode("Z") == nil, "a lone sextet cannot encode a byte")
        #expect(Base64.decode("Zg=") == nil, "padding must complete the quantum")
        #expect(Base64.decode("-_8", url: false) == nil)
        #expect(Base64.decode("+/8", url: true) == nil)
        #expect(Base64.decode("-_8", url: true) == [0xfb, 0xff])
    }

    @Test func constantTimeEqualsComparesContentAndLength() {
        #expect(constantTimeEquals([1, 2, 3], [1, 2, 3]))
        #expect(!constantTimeEquals([1, 2, 3], [1, 2, 4]))
        #expect(!constantTimeEquals([1, 2, 3], [1, 2]))
        #expect(constantTimeEquals([], []))
    }
}
