import Foundation
import Logging
import Synchronization
import Testing

@testable import SwitchboardStorage

/// A fresh directory under the system temporary directory, removed when the body ends.
func withTemporaryDirectory<T>(_ body: (String) throws -> T) throws -> T {
    let path = FileManager.default.temporaryDirectory
        .appendingPathComponent("storage-tests-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: path) }
    return try body(path)
}

/// A clock the test moves by hand.
final class ManualClock: Sendable {
    private let milliseconds = Atomic<Int64>(1_700_000_000_000)

    var now: @Sendable () -> Int64 {
        { [self] in milliseconds.load(ordering: .relaxed) }
    }

    func advance(byMilliseconds delta: Int64) {
        milliseconds.add(delta, ordering: .relaxed)
    }
}

/// A logger that prints nothing.
let quietLogger = Logger(label: "storage-tests", factory: { _ in SwiftLogNoOpLogHandler() })

/// Expects `body` to throw a StorageError with `code`; returns it for further checks.
@discardableResult
func expectStorageError<T>(
    _ code: StorageError.Code, sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> T
) -> StorageError? {
    do {
        let value = try body()
        Issue.record("expected \(code), but the call succeeded with \(value)", sourceLocation: sourceLocation)
        return nil
    } catch let error as StorageError {
        #expect(error.code == code, "got \(error)", sourceLocation: sourceLocation)
        return error
    } catch {
        Issue.record("expected StorageError \(code), got \(error)", sourceLocation: sourceLocation)
        return nil
    }
}

extension String {
    /// The UTF-8 bytes.
    var bytes: [UInt8] { Array(utf8) }
}

/// Expects `body` to throw an error of type `E`.
///
/// (Used instead of `#expect(throws:)`: with Swift 6.3.1, that macro next to
/// other closures in the same test function made a later closure misbehave.)
func expectThrows<E: Error>(
    _ type: E.Type, sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void
) {
    do {
        try body()
        Issue.record("expected \(E.self) to be thrown", sourceLocation: sourceLocation)
    } catch is E {
    } catch {
        Issue.record("expected \(E.self), got \(error)", sourceLocation: sourceLocation)
    }
}
