import NIOCore

/// A server packet of SFTP version 3 (draft-ietf-secsh-filexfer-02 §4 and §7).
enum SFTPResponse: Sendable {
    /// `SSH_FXP_VERSION`: `uint32 version`, then `string extension_name, string extension_data` pairs.
    case version(UInt32, extensions: [String: String])
    /// `SSH_FXP_STATUS`: `uint32 id, uint32 error code, string error message, string language tag`.
    case status(id: UInt32, code: SFTPStatusCode, message: String)
    /// `SSH_FXP_HANDLE`: `uint32 id, string handle`.
    case handle(id: UInt32, bytes: [UInt8])
    /// `SSH_FXP_DATA`: `uint32 id, string data`.
    case data(id: UInt32, ByteBuffer)
    /// `SSH_FXP_NAME`: `uint32 id, uint32 count`, then `count` × `string filename, string longname, ATTRS attrs`.
    case name(id: UInt32, [SFTPDirectoryEntry])
    /// `SSH_FXP_ATTRS`: `uint32 id, ATTRS attrs`.
    case attributes(id: UInt32, SFTPFileAttributes)
    /// `SSH_FXP_EXTENDED_REPLY`: `uint32 id`, then extension-specific data.
    case extendedReply(id: UInt32, ByteBuffer)

    /// The largest handle the draft allows.
    static let maximumHandleLength = 256

    /// The packet type.
    var type: SFTPPacketType {
        switch self {
        case .version: .version
        case .status: .status
        case .handle: .handle
        case .data: .data
        case .name: .name
        case .attributes: .attributes
        case .extendedReply: .extendedReply
        }
    }

    /// The request id, except for VERSION.
    var requestID: UInt32? {
        switch self {
        case .version: nil
        case .status(let id, _, _), .handle(let id, _), .data(let id, _), .name(let id, _), .attributes(let id, _),
            .extendedReply(let id, _):
            id
        }
    }

    /// Parses one packet body (type byte onwards); throws ``SFTPError/Kind/protocolViolation`` for an unknown or
    /// client-only type, a truncated body, or bytes left over.
    init(parsing packet: inout ByteBuffer) throws(SFTPError) {
        guard let typeByte = packet.readInteger(as: UInt8.self) else { throw .protocolViolation("the server sent an empty packet") }
        guard let type = SFTPPacketType(rawValue: typeByte) else {
            throw .protocolViolation("the server sent a packet of unknown type \(typeByte)")
        }
        if type == .version {
            guard let version = packet.readInteger(as: UInt32.self) else { throw Self.truncated(type) }
            var extensions: [String: String] = [:]
            while packet.readableBytes > 0 {
                guard let name = packet.readSFTPText(), let data = packet.readSFTPText() else { throw Self.truncated(type) }
                extensions[name] = data
            }
            self = .version(version, extensions: extensions)
            return
        }
        guard let id = packet.readInteger(as: UInt32.self) else { throw Self.truncated(type) }
        switch type {
        case .status:
            guard let code = packet.readInteger(as: UInt32.self) else { throw Self.truncated(type) }
            // Some version-3 servers end the packet after the code; the message and language tag are optional.
            var message = ""
            if packet.readableBytes > 0 {
                guard let text = packet.readSFTPText(), packet.readSFTPString() != nil else { throw Self.truncated(type) }
                message = text
            }
            self = .status(id: id, code: SFTPStatusCode(rawValue: code), message: message)
        case .handle:
            guard let handle = packet.readSFTPString() else { throw Self.truncated(type) }
            guard handle.readableBytes <= Self.maximumHandleLength else {
                throw .protocolViolation("the server sent a handle of \(handle.readableBytes) bytes (at most 256 are allowed)")
            }
            self = .handle(id: id, bytes: Array(buffer: handle))
        case .data:
            guard let data = packet.readSFTPString() else { throw Self.truncated(type) }
            self = .data(id: id, data)
        case .name:
            guard let count = packet.readInteger(as: UInt32.self) else { throw Self.truncated(type) }
            var entries: [SFTPDirectoryEntry] = []
            for _ in 0..<count {
                // Every entry needs at least 12 bytes, so a huge count in a short packet stops here.
                guard let filename = packet.readSFTPText(), let longname = packet.readSFTPText(),
                    let attributes = SFTPFileAttributes(reading: &packet)
                else { throw Self.truncated(type) }
                entries.append(SFTPDirectoryEntry(filename: filename, longname: longname, attributes: attributes))
            }
            self = .name(id: id, entries)
        case .attributes:
            guard let attributes = SFTPFileAttributes(reading: &packet) else { throw Self.truncated(type) }
            self = .attributes(id: id, attributes)
        case .extendedReply:
            self = .extendedReply(id: id, packet.readSlice(length: packet.readableBytes)!)
        default:
            throw .protocolViolation("the server sent \(type), which only a client may send")
        }
        guard packet.readableBytes == 0 else {
            throw .protocolViolation("\(packet.readableBytes) bytes follow the end of the \(type) packet")
        }
    }

    /// The error for a packet that ends before its fields do.
    private static func truncated(_ type: SFTPPacketType) -> SFTPError {
        .protocolViolation("the \(type) packet is truncated")
    }
}
