import SwitchboardSDK
import WebchatCore

/// A visitor waiting for the reply to their message: an open event stream, or a JSON response
/// kept pending. Items are processed in order, one drain at a time.
final class ReplyWaiter: Sendable {
    enum Output: Sendable {
        case stream(ResponseStream)
        case json(HTTPResponder, cors: [HTTPHeader])
    }

    let output: Output
    let sessionID: SessionID
    /// The visitor message's id.
    let replyTo: String
    private let queue = Locked<(items: [ReplyItem], finished: Bool)>(([], false))
    private let processing = Locked(())

    init(_ output: Output, sessionID: SessionID, replyTo: String) {
        self.output = output
        self.sessionID = sessionID
        self.replyTo = replyTo
    }

    /// Whether the visitor got their answer (or left).
    var isFinished: Bool { queue.withLock { $0.finished } }

    /// Add items (cheap: called under the router's lock).
    func enqueue(_ items: [ReplyItem]) {
        guard !items.isEmpty else { return }
        queue.withLock { $0.items.append(contentsOf: items) }
    }

    /// Process what is queued, in order.
    func drain() {
        processing.withLock { _ in
            while let item = next() { process(item) }
        }
    }

    /// No reply in time: say so and stop waiting.
    func timeOut() {
        processing.withLock { _ in
            guard !isFinished else { return }
            finish(WebchatError(status: 504, code: .timeout, "the assistant did not answer in time; try again"))
        }
    }

    private func next() -> ReplyItem? {
        queue.withLock { state in
            guard !state.finished, !state.items.isEmpty else { return nil }
            return state.items.removeFirst()
        }
    }

    private func markFinished() {
        queue.withLock { $0 = ([], true) }
    }

    private func process(_ item: ReplyItem) {
        switch item {
        case .delta(let text, let index):
            if case .stream = output { write(ServerSentEvent.token(text, index: index)) }
        case .failed(let message, let retrying):
            let error = WebchatError(status: 502, code: .agentFailed, message)
            if retrying {
                if case .stream = output { write(ServerSentEvent.error(error, retrying: true)) }
            } else {
                finish(error)
            }
        case .finished(let text, let messageID):
            let reply = FinishedReply(sessionID: sessionID, reply: text, messageID: messageID, replyTo: replyTo)
            switch output {
            case .stream(let stream):
                write(ServerSentEvent.done(reply))
                stream.close()
            case .json(let responder, let cors):
                try? responder.send(status: 200, json: reply.json, headers: cors)
            }
            markFinished()
        }
    }

    /// End with an error event or an error response.
    private func finish(_ error: WebchatError) {
        switch output {
        case .stream(let stream):
            write(ServerSentEvent.error(error))
            stream.close()
        case .json(let responder, let cors):
            var body = error.json
            if case .object(var members) = body {
                members.append((key: "session_id", value: .string(sessionID.rawValue)))
                body = .object(members)
            }
            try? responder.send(status: error.status, json: body, headers: cors)
        }
        markFinished()
    }

    /// Write one event; a gone client ends the wait.
    private func write(_ event: ServerSentEvent) {
        guard case .stream(let stream) = output else { return }
        do {
            try stream.write(event.encoded)
        } catch {
            stream.close()
            markFinished()
        }
    }
}
