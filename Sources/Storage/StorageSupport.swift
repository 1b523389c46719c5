#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// The wall clock the storage layer stamps rows and KV expiries with.
public enum StorageClock {
    /// Milliseconds since the Unix epoch (CLOCK_REALTIME), without Foundation.
    @Sendable
    public static func milliseconds() -> Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Int64(spec.tv_sec) * 1000 + Int64(spec.tv_nsec) / 1_000_000
    }
}

/// Clocks, paths and validation rules shared by the storage types.
/// Nothing here uses Foundation.
enum StorageSupport {
    /// Wall-clock milliseconds since the Unix epoch.
    @Sendable
    static func wallClockMilliseconds() -> Int64 {
        StorageClock.milliseconds()
    }

    /// Monotonic nanoseconds, for deadlines.
    static func monotonicNanoseconds() -> UInt64 {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec)
    }

    /// True when `name` matches `^[a-z0-9][a-z0-9_-]{0,63}$`.
    ///
    /// Tenant and plugin names become path components, so this rule is what
    /// keeps `..`, `/`, NUL and other path tricks out of the data directory.
    static func isValidName(_ name: String) -> Bool {
        let bytes = name.utf8
        guard let first = bytes.first, bytes.count <= 64 else { return false }
        func isLowerAlnum(_ byte: UInt8) -> Bool {
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
        }
        guard isLowerAlnum(first) else { return false }
        return bytes.dropFirst().allSatisfy { isLowerAlnum($0) || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-") }
    }

    /// Throws invalidArgument unless `name` is a valid tenant/plugin/instance name.
    static func validateName(_ name: String, kind: String) throws {
        guard isValidName(name) else {
            throw StorageError(
                .invalidArgument, "invalid \(kind) name \(quoted(name)): must match ^[a-z0-9][a-z0-9_-]{0,63}$")
        }
    }

    /// `text` in double quotes, truncated to 80 characters, for error messages.
    static func quoted(_ text: String) -> String {
        let shown = text.count > 80 ? String(text.prefix(80)) + "…" : text
        return "\"\(shown)\""
    }

    /// True when `bytes` is well-formed UTF-8 (no overlongs, no surrogates, ≤ U+10FFFF).
    static func isValidUTF8(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var index = 0
        let count = bytes.count
        while index < count {
            let lead = bytes[index]
            if lead < 0x80 {
                index += 1
                continue
            }
            let length: Int
            var lowerBound: UInt8 = 0x80
            var upperBound: UInt8 = 0xBF
            switch lead {
            case 0xC2...0xDF: length = 2
            case 0xE0: length = 3; lowerBound = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: length = 3
            case 0xED: length = 3; upperBound = 0x9F
            case 0xF0: length = 4; lowerBound = 0x90
            case 0xF1...0xF3: length = 4
            case 0xF4: length = 4; upperBound = 0x8F
            default: return false
            }
            guard index + length <= count else { return false }
            let second = bytes[index + 1]
            guard second >= lowerBound, second <= upperBound else { return false }
            var offset = 2
            while offset < length {
                guard bytes[index + offset] & 0xC0 == 0x80 else { return false }
                offset += 1
            }
            index += length
        }
        return true
    }

    /// Creates `path` and its missing parents (like `mkdir -p`), mode 0700.
    static func createDirectories(_ path: String) throws {
        guard !path.isEmpty else { return }
        var current = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/", omittingEmptySubsequences: true) {
            current += "/" + component
            if mkdir(current, 0o700) != 0 {
                let error = errno
                var info = stat()
                guard error == EEXIST, stat(current, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR else {
                    throw StorageError(
                        .io, "cannot create directory \(quoted(current)): \(String(cString: strerror(error)))")
                }
            }
        }
    }

    /// The directory part of `path` ("" when it has none).
    static func parentDirectory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "" }
        if slash == path.startIndex { return "/" }
        return String(path[..<slash])
    }
}
