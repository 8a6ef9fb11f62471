import Crypto
import Foundation
import Testing
import SealdropCrypto

/// The real `age` and `age-keygen` (Debian package `age`): skipped locally when absent, required where `CI=true`.
enum AgeCLI {
    static let age = "/usr/bin/age"
    static let keygen = "/usr/bin/age-keygen"

    /// Whether suites that need the tools run; always true under `CI=true`, so a missing tool fails there.
    static var available: Bool {
        if ProcessInfo.processInfo.environment["CI"] == "true" { return true }
        return FileManager.default.isExecutableFile(atPath: age) && FileManager.default.isExecutableFile(atPath: keygen)
    }

    /// What a tool run left behind.
    struct Outcome {
        var status: Int32
        var stdout: [UInt8]
        var stderr: String
    }

    /// An identity made by `age-keygen`: its key file and the recipient it printed.
    struct Identity {
        var keyFile: String
        var recipient: String
        /// The `AGE-SECRET-KEY-1…` line of the key file.
        var secretKey: String
    }

    /// Runs `tool` with `arguments`, stdout and stderr going to files in `directory` (no pipe can fill up).
    static func run(_ tool: String, _ arguments: [String], in directory: TemporaryDirectory) throws -> Outcome {
        let tag = UUID().uuidString
        let outPath = directory.file("stdout-\(tag)")
        let errPath = directory.file("stderr-\(tag)")
        try #require(FileManager.default.createFile(atPath: outPath, contents: nil))
        try #require(FileManager.default.createFile(atPath: errPath, contents: nil))
        let out = try #require(FileHandle(forWritingAtPath: outPath))
        let err = try #require(FileHandle(forWritingAtPath: errPath))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = out
        process.standardError = err
        try process.run()
        process.waitUntilExit()
        try out.close()
        try err.close()
        let stdout = try [UInt8](Data(contentsOf: URL(fileURLWithPath: outPath)))
        let stderr = try String(decoding: Data(contentsOf: URL(fileURLWithPath: errPath)), as: UTF8.self)
        try FileManager.default.removeItem(atPath: outPath)
        try FileManager.default.removeItem(atPath: errPath)
        return Outcome(status: process.terminationStatus, stdout: stdout, stderr: stderr)
    }

    /// A fresh identity from `age-keygen -o`, its recipient taken from what the tool printed.
    static func makeIdentity(in directory: TemporaryDirectory, name: String) throws -> Identity {
        let keyFile = directory.file(name + ".txt")
        let outcome = try run(keygen, ["-o", keyFile], in: directory)
        try #require(outcome.status == 0, "age-keygen failed: \(outcome.stderr)")
        let printed = try #require(outcome.stderr.split(separator: "\n").first { $0.hasPrefix("Public key: ") })
        let text = try String(contentsOfFile: keyFile, encoding: .utf8)
        let secret = try #require(text.split(separator: "\n").first { $0.hasPrefix("AGE-SECRET-KEY-1") })
        return Identity(keyFile: keyFile, recipient: String(printed.dropFirst("Public key: ".count)), secretKey: String(secret))
    }

    /// `age -d -i identity` over `ciphertext` written to a file; the plaintext is the outcome's stdout.
    static func decrypt(_ ciphertext: [UInt8], with identity: Identity, in directory: TemporaryDirectory) throws -> Outcome {
        let path = directory.file("sealed-\(UUID().uuidString).age")
        try Data(ciphertext).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        return try run(age, ["-d", "-i", identity.keyFile, path], in: directory)
    }
}

/// Whole-file helpers for age tests with inputs that fit in memory.
enum AgeFile {
    /// Encrypts `plaintext` to `recipients`, feeding `update` slices of `slice` bytes, and checks the chunk accounting:
    /// every `update` returns whole 64 KiB chunks (65 552 sealed bytes each), the total is `encryptedSize`.
    static func seal(_ plaintext: [UInt8], to recipients: [AgeRecipient], slice: Int = 10_007) throws -> [UInt8] {
        var encryptor = try AgeEncryptor(recipients: recipients)
        var file = encryptor.header()
        var offset = 0
        while offset < plaintext.count {
            let end = min(offset + slice, plaintext.count)
            let sealed = try encryptor.update(plaintext[offset..<end])
            #expect(sealed.count % (65_536 + 16) == 0)
            file += sealed
            offset = end
        }
        let last = try encryptor.finish()
        #expect(last.count == 16 + (plaintext.isEmpty ? 0 : (plaintext.count - 1) % 65_536 + 1))
        file += last
        #expect(Int64(file.count) == encryptor.encryptedSize(plaintextSize: Int64(plaintext.count)))
        return file
    }

    /// SHA-256 in hex: compare large byte arrays through this, since a failed `#expect(a == b)` diffs them
    /// element by element (minutes for megabytes).
    static func digest(_ bytes: [UInt8]) -> String {
        SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
    }

    /// Where the payload starts: just after the `--- ` MAC line (the 16-byte nonce comes first).
    static func payloadOffset(_ file: [UInt8]) throws -> Int {
        let text = String(decoding: file.prefix(4096), as: UTF8.self)
        let mac = try #require(text.range(of: "\n--- "))
        let newline = try #require(text[mac.upperBound...].firstIndex(of: "\n"))
        return text.utf8.distance(from: text.startIndex, to: newline) + 1
    }
}
