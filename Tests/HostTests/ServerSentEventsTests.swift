import Testing

@testable import SwitchboardHost

/// The event-stream parser fed in awkward chunks. No sockets.
@Suite("Server-sent events")
struct ServerSentEventsTests {
    /// Feed `text` in the given chunk sizes (cycled) and return every event's data.
    static func parse(_ bytes: [UInt8], chunks sizes: [Int]) throws -> [String] {
        var parser = ServerSentEvents()
        var events: [String] = []
        var offset = 0
        var index = 0
        while offset < bytes.count {
            let size = max(1, sizes[index % sizes.count])
            let end = min(bytes.count, offset + size)
            events += try parser.feed(bytes[offset..<end]).map(\.data)
            offset = end
            index += 1
        }
        if let last = parser.finish() { events.append(last.data) }
        return events
    }

    static let stream =
        Array(
            ": comment\r\nevent: message\r\ndata: {\"a\":\"olá 👋🏽\"}\r\n\r\nid: 7\nretry: 100\ndata: first\ndata:second\n\n"
                .utf8) + Array("data: [DONE]\r\r".utf8)

    @Test func wholeStreamAtOnce() throws {
        #expect(
            try Self.parse(Self.stream, chunks: [Self.stream.count]) == [
                "{\"a\":\"olá 👋🏽\"}", "first\nsecond", "[DONE]",
            ])
    }

    @Test(arguments: [[1], [2], [3], [5, 1], [7, 2, 1], [13]])
    func awkwardChunks(sizes: [Int]) throws {
        // Byte by byte splits every CRLF and every multi-byte character; the others split
        // lines, fields and characters at varying places.
        #expect(try Self.parse(Self.stream, chunks: sizes) == Self.parse(Self.stream, chunks: [Self.stream.count]))
    }

    @Test func crlfSplitAcrossChunks() throws {
        var parser = ServerSentEvents()
        #expect(try parser.feed(Array("data: a\r".utf8)).isEmpty)
        // The LF completes the CRLF of the previous chunk, it is not a blank line.
        #expect(try parser.feed(Array("\n".utf8)).isEmpty)
        #expect(try parser.feed(Array("\r".utf8)).map(\.data) == ["a"])
        #expect(try parser.feed(Array("\ndata: b\n\n".utf8)).map(\.data) == ["b"])
    }

    @Test func multiByteCharacterSplit() throws {
        let bytes = Array("data: ação 🎉\n\n".utf8)
        let cut = bytes.firstIndex(of: 0xF0)! + 2  // inside the 4-byte emoji
        var parser = ServerSentEvents()
        #expect(try parser.feed(bytes[..<cut]).isEmpty)
        #expect(try parser.feed(bytes[cut...]).map(\.data) == ["ação 🎉"])
    }

    @Test func namesFieldsAndIgnoresTheRest() throws {
        var parser = ServerSentEvents()
        let events = try parser.feed(Array("\u{FEFF}event: ping\ndata\nfoo: bar\n\n:only a comment\n\nid: 1\n\n".utf8))
        #expect(events == [ServerSentEvents.Event(name: "ping", data: "")])
        #expect(parser.finish() == nil)
    }

    @Test func unfinishedEventAtTheEnd() throws {
        var parser = ServerSentEvents()
        #expect(try parser.feed(Array("data: [DONE]".utf8)).isEmpty)
        #expect(parser.finish()?.data == "[DONE]")
    }

    @Test func oversizedEventIsRefused() throws {
        var parser = ServerSentEvents(maxEventBytes: 16)
        #expect(throws: ServerSentEvents.TooLarge.self) {
            _ = try parser.feed(Array("data: 0123456789\ndata: 0123456789\n".utf8))
        }
    }
}
