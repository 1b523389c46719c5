/// Checks that bytes are a complete 64-bit little-endian ELF shared object for this machine.
/// Pure: no I/O, so tests and the loader share it.
enum ELFCheck {
    struct Problem: Error, Equatable {
        var field: String
        var expected: String
        var actual: String
        var reason: String
    }

    #if arch(x86_64)
        static let machine: UInt16 = 62
        static let machineName = "x86_64"
    #elseif arch(arm64)
        static let machine: UInt16 = 183
        static let machineName = "aarch64"
    #else
        static let machine: UInt16 = 0
        static let machineName = "unknown"
    #endif

    static func inspect(_ bytes: [UInt8]) -> Result<Void, Problem> {
        guard bytes.count >= 64, bytes[0..<4] == [0x7F, 0x45, 0x4C, 0x46] else {
            let magic = bytes.prefix(4).map { hex($0) }.joined(separator: " ")
            return .failure(
                Problem(
                    field: "header", expected: "ELF magic 7f 45 4c 46", actual: magic.isEmpty ? "empty file" : magic,
                    reason: "not a shared library"))
        }
        guard bytes[4] == 2, bytes[5] == 1 else {
            return .failure(
                Problem(
                    field: "e_ident", expected: "64-bit little-endian", actual: "class \(bytes[4]), data \(bytes[5])",
                    reason: "ELF file is not 64-bit little-endian"))
        }
        let type = u16(bytes, 16)
        guard type == 3 else {
            return .failure(
                Problem(
                    field: "e_type", expected: "3 (shared object)", actual: "\(type)",
                    reason: "ELF file is not a shared library"))
        }
        let arch = u16(bytes, 18)
        guard machine == 0 || arch == machine else {
            return .failure(
                Problem(
                    field: "e_machine", expected: "\(machine) (\(machineName))", actual: "\(arch)",
                    reason: "library built for another architecture"))
        }
        let size = UInt64(bytes.count)
        let phoff = u64(bytes, 32)
        let shoff = u64(bytes, 40)
        let phentsize = UInt64(u16(bytes, 54))
        let phnum = UInt64(u16(bytes, 56))
        let shentsize = UInt64(u16(bytes, 58))
        let shnum = UInt64(u16(bytes, 60))
        let tableEnd = phoff &+ phentsize &* phnum
        guard phentsize >= 56, tableEnd <= size, tableEnd >= phoff else {
            return .failure(truncated(needed: tableEnd, size: size, what: "program headers"))
        }
        for index in 0..<phnum {
            let base = Int(phoff + index * phentsize)
            let offset = u64(bytes, base + 8)
            let fileSize = u64(bytes, base + 32)
            let end = offset &+ fileSize
            guard end <= size, end >= offset else {
                return .failure(truncated(needed: end, size: size, what: "segment \(index)"))
            }
        }
        if shoff != 0 {
            let end = shoff &+ shentsize &* shnum
            guard end <= size, end >= shoff else {
                return .failure(truncated(needed: end, size: size, what: "section headers"))
            }
        }
        return .success(())
    }

    private static func truncated(needed: UInt64, size: UInt64, what: String) -> Problem {
        Problem(
            field: "size", expected: ">= \(needed) bytes (\(what))", actual: "\(size) bytes",
            reason: "library file is truncated")
    }

    private static func u16(_ bytes: [UInt8], _ offset: Int) -> UInt16 {
        UInt16(bytes[offset]) | UInt16(bytes[offset + 1]) << 8
    }

    private static func u64(_ bytes: [UInt8], _ offset: Int) -> UInt64 {
        guard offset + 8 <= bytes.count else { return .max }
        var value: UInt64 = 0
        for index in (0..<8).reversed() { value = value << 8 | UInt64(bytes[offset + index]) }
        return value
    }

    private static func hex(_ byte: UInt8) -> String {
        let digits = Array("0123456789abcdef")
        return String([digits[Int(byte >> 4)], digits[Int(byte & 0xF)]])
    }
}
