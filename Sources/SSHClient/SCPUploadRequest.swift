import Foundation

/// One file for OpenSSH's legacy SCP sink (`scp -t DIR`), checked so that the header line cannot be broken and
/// the sink cannot be steered outside `DIR`.
struct SCPUploadRequest: Sendable, Hashable {
    let directory: String
    let name: String
    let size: Int64
    let mode: Int32

    /// Checks the values; the message says what is wrong.
    init(directory: String, name: String, size: Int64, mode: Int32) throws(SCPRequestError) {
        guard !directory.isEmpty, !directory.contains("\0"), !directory.contains("\n") else {
            throw SCPRequestError("the directory must be a non-empty path without NUL or newline")
        }
        guard !name.isEmpty, name != ".", name != "..", !name.contains("/"), !name.contains("\n"), !name.contains("\r"), !name.contains("\0") else {
            throw SCPRequestError("the file name \(name.debugDescription) is not a plain name (no slash, newline or NUL; not . or ..)")
        }
        guard size >= 0 else { throw SCPRequestError("the size \(size) is negative") }
        guard (0...0o7777).contains(mode) else { throw SCPRequestError("the mode \(String(mode, radix: 8)) is not a permission mode") }
        self.directory = directory
        self.name = name
        self.size = size
        self.mode = mode
    }

    /// The remote command: the sink, told the target is a directory, with the path quoted for a POSIX shell.
    var command: String {
        "scp -t -d -- \(Self.shellQuoted(self.directory))"
    }

    /// The `C` record as OpenSSH's scp.c writes it: `C%04o %lld %s\n`.
    var header: String {
        "C" + Self.octal(self.mode) + " \(self.size) \(self.name)\n"
    }

    /// `'…'` with each `'` written as `'\''`.
    static func shellQuoted(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    private static func octal(_ mode: Int32) -> String {
        let digits = String(mode, radix: 8)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }
}

/// An upload that cannot be asked for as given.
struct SCPRequestError: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) { self.description = description }
}
