/// A reply of the SCP sink, as OpenSSH's scp.c `response()` reads it: one byte `\0` for success, `\1` (warning,
/// this file failed) or `\2` (fatal) followed by a message up to `\n`. Any other first byte is not SCP at all
/// (a login shell's greeting, "This service allows sftp connections only."): the whole line is the message.
enum SCPReply: Sendable, Hashable {
    case ok
    case warning(String)
    case fatal(String)

    /// The sink's message; empty for success.
    var message: String {
        switch self {
        case .ok: ""
        case .warning(let message), .fatal(let message): message
        }
    }

    /// The longest message line kept; a longer one is cut there (the sink's own are a few dozen bytes).
    static let maximumLineLength = 4096

    /// Takes one reply from the front of `buffer`; nil while it is incomplete.
    static func parse(from buffer: inout [UInt8]) -> SCPReply? {
        guard let first = buffer.first else { return nil }
        if first == 0 {
            buffer.removeFirst()
            return .ok
        }
        let lineEnd = buffer.firstIndex(of: UInt8(ascii: "\n"))
        guard lineEnd != nil || buffer.count >= Self.maximumLineLength else { return nil }
        let end = lineEnd ?? Self.maximumLineLength
        let line = Array(buffer[..<end])
        buffer.removeFirst(min(end + 1, buffer.count))
        switch first {
        case 1: return .warning(SSHText.excerpt(Array(line.dropFirst())))
        case 2: return .fatal(SSHText.excerpt(Array(line.dropFirst())))
        default: return .fatal(SSHText.excerpt(line))
        }
    }
}

/// The source side of the legacy SCP protocol for one regular file, after OpenSSH's scp.c (`source()` against
/// a remote `sink()`):
///
///     sink   → \0                          ready
///     source → C0600 <size> <name>\n       sink → \0, or \1/\2 and a message
///     source → <size bytes> \0             sink → \0, or \1/\2 and a message (written, or not)
///     source → end of input                sink exits, status 0
///
/// Pure: the façade feeds it the sink's bytes and performs the returned actions.
struct SCPSourceStateMachine {
    /// Where the conversation stands.
    enum State: Sendable, Hashable {
        case awaitingReady
        case awaitingHeaderReply
        case sendingData
        case awaitingFinalReply
        case finished
        case failed
    }

    /// What the façade does next.
    enum Action: Sendable, Hashable {
        /// Read more of the sink's output.
        case readMore
        /// Send this header line, then call ``headerSent()``.
        case sendHeader(String)
        /// Send the file's bytes and the closing `\0`, then call ``dataSent()``.
        case sendData
        /// The sink has the file; end its input and wait for it to exit.
        case finish
        /// The sink refused (the message is its own); no more data may be sent.
        case fail(SCPReply)
    }

    private(set) var state: State = .awaitingReady
    private let request: SCPUploadRequest

    init(request: SCPUploadRequest) {
        self.request = request
    }

    /// Consumes what the sink sent so far and says what to do.
    mutating func received(_ buffer: inout [UInt8]) -> Action {
        switch self.state {
        case .awaitingReady, .awaitingHeaderReply, .awaitingFinalReply:
            guard let reply = SCPReply.parse(from: &buffer) else { return .readMore }
            guard reply == .ok else {
                self.state = .failed
                return .fail(reply)
            }
            switch self.state {
            case .awaitingReady:
                return .sendHeader(self.request.header)
            case .awaitingHeaderReply:
                self.state = .sendingData
                return .sendData
            default:
                self.state = .finished
                return .finish
            }
        case .sendingData:
            // The sink answers only after the closing \0; anything earlier waits for that answer.
            return .sendData
        case .finished:
            return .finish
        case .failed:
            return .fail(.fatal("the transfer already failed"))
        }
    }

    /// The header went out; its reply is awaited.
    mutating func headerSent() {
        precondition(self.state == .awaitingReady, "the header is sent once, after the sink's ready")
        self.state = .awaitingHeaderReply
    }

    /// The bytes and the closing `\0` went out; the final reply is awaited.
    mutating func dataSent() {
        precondition(self.state == .sendingData, "data is sent once, after the header's reply")
        self.state = .awaitingFinalReply
    }
}
