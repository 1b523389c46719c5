import Foundation
import Testing

@testable import SwitchboardStorage

@Suite("QueryResult.jsonData")
struct QueryResultJSONTests {
    private func json(_ result: QueryResult) -> String {
        String(decoding: result.jsonData(), as: UTF8.self)
    }

    @Test("produces exactly the documented shape")
    func exactShape() {
        let result = QueryResult(
            columns: ["a", "b", "c", "d", "e"],
            rows: [
                [.integer(1), .text("x"), .null, .real(2.5), .blob([104, 105])],
                [.integer(-7), .text(""), .null, .real(-0.125), .blob([])],
            ])
        #expect(
            json(result)
                == #"{"columns":["a","b","c","d","e"],"rows":[[1,"x",null,2.5,{"base64":"aGk="}],[-7,"",null,-0.125,{"base64":""}]]}"#
        )
        #expect(json(QueryResult(columns: [], rows: [])) == #"{"columns":[],"rows":[]}"#)
    }

    @Test("escapes quotes, backslashes and control characters; keeps unicode")
    func stringEscaping() throws {
        let tricky = "quote\" back\\slash\nnew\ttab\r\u{08}\u{0C}\u{0}\u{1F} é 日本 🎉 \u{2028}"
        let result = QueryResult(columns: ["we\"ird\ncol"], rows: [[.text(tricky)]])
        let text = json(result)
        #expect(
            text
                == #"{"columns":["we\"ird\ncol"],"rows":[["quote\" back\\slash\nnew\ttab\r\b\f\u0000\u001f é 日本 🎉 "#
                + "\u{2028}\"]]}")
        // A standard parser reads back the original strings.
        let parsed = try JSONSerialization.jsonObject(with: Data(result.jsonData())) as? [String: Any]
        #expect((parsed?["columns"] as? [String]) == ["we\"ird\ncol"])
        #expect(((parsed?["rows"] as? [[Any]])?.first?.first as? String) == tricky)
    }

    @Test("encodes BLOBs as padded base64 of every length")
    func base64() {
        let cases: [([UInt8], String)] = [
            ([], ""), ([0x66], "Zg=="), ([0x66, 0x6F], "Zm8="), ([0x66, 0x6F, 0x6F], "Zm9v"),
            ([0x66, 0x6F, 0x6F, 0x62, 0x61, 0x72], "Zm9vYmFy"), ([0xFF, 0xFE, 0x00, 0x3E, 0x3F], "//4APj8="),
        ]
        for (bytes, expected) in cases {
            #expect(
                json(QueryResult(columns: ["b"], rows: [[.blob(bytes)]])) == #"{"columns":["b"],"rows":[[{"base64":""#
                    + expected + #""}]]}"#)
            #expect(Data(base64Encoded: expected).map { [UInt8]($0) } == bytes)
        }
    }

    @Test("doubles round-trip; NaN and infinity become null; integers print in full")
    func numbers() throws {
        let doubles: [Double] = [0.1, 1.0 / 3.0, 1e300, -2.2250738585072014e-308, Double.leastNonzeroMagnitude, 123456789.125, 1e16, -0.0]
        let result = QueryResult(
            columns: ["n"],
            rows: doubles.map { [.real($0)] } + [[.real(.nan)], [.real(.infinity)], [.real(-.infinity)]]
                + [[.integer(Int64.max)], [.integer(Int64.min)]])
        let parsed = try JSONSerialization.jsonObject(with: Data(result.jsonData())) as? [String: Any]
        let rows = try #require(parsed?["rows"] as? [[Any]])
        for (index, value) in doubles.enumerated() {
            #expect((rows[index][0] as? NSNumber)?.doubleValue == value)
        }
        #expect(rows[doubles.count][0] is NSNull)
        #expect(rows[doubles.count + 1][0] is NSNull)
        #expect(rows[doubles.count + 2][0] is NSNull)
        let text = json(result)
        #expect(text.contains("[9223372036854775807]"))
        #expect(text.contains("[-9223372036854775808]"))
    }

    @Test("a real query's answer encodes its column names and values")
    func fromQuery() throws {
        try withTemporaryDirectory { dir in
            let db = try SQLiteConnection(path: dir + "/json.sqlite")
            let result = try db.query("SELECT 1 AS one, 'a\"b' AS text, NULL AS empty, x'00ff' AS bytes, 0.5 AS half")
            #expect(
                json(result)
                    == #"{"columns":["one","text","empty","bytes","half"],"rows":[[1,"a\"b",null,{"base64":"AP8="},0.5]]}"#
            )
        }
    }
}
