import NIOCore

/// A client request of SFTP version 3 (draft-ietf-secsh-filexfer-02 §6), with the two OpenSSH extensions the
/// client uses (`PROTOCOL` §4.3 posix-rename, §4.6 fsync). Every request starts `uint32 id` after the type byte.
enum SFTPRequest: Sendable {
    /// `SSH_FXP_OPEN`: `string filename, uint32 pflags, ATTRS attrs`.
    case open(path: String, flags: SFTPOpenFlags, attributes: SFTPFileAttributes)
    /// `SSH_FXP_CLOSE`: `string handle`.
    case close(SFTPFileHandle)
    /// `SSH_FXP_READ`: `string handle, uint64 offset, uint32 len`.
    case read(SFTPFileHandle, offset: UInt64, length: UInt32)
    /// `SSH_FXP_WRITE`: `string handle, uint64 offset, string data`.
    case write(SFTPFileHandle, offset: UInt64, data: ByteBuffer)
    /// `SSH_FXP_LSTAT`: `string path` (does not follow a final symbolic link).
    case lstat(path: String)
    /// `SSH_FXP_STAT`: `string path`.
    case stat(path: String)
    /// `SSH_FXP_FSTAT`: `string handle`.
    case fstat(SFTPFileHandle)
    /// `SSH_FXP_OPENDIR`: `string path`.
    case opendir(path: String)
    /// `SSH_FXP_READDIR`: `string handle`.
    case readdir(SFTPFileHandle)
    /// `SSH_FXP_REMOVE`: `string filename`.
    case remove(path: String)
    /// `SSH_FXP_MKDIR`: `string path, ATTRS attrs`.
    case mkdir(path: String, attributes: SFTPFileAttributes)
    /// `SSH_FXP_RMDIR`: `string path`.
    case rmdir(path: String)
    /// `SSH_FXP_REALPATH`: `string path`.
    case realpath(path: String)
    /// `SSH_FXP_RENAME`: `string oldpath, string newpath` (fails when `newpath` exists on OpenSSH).
    case rename(from: String, to: String)
    /// `SSH_FXP_EXTENDED "posix-rename@openssh.com"`: `string oldpath, string newpath`, rename(2) semantics.
    case posixRename(from: String, to: String)
    /// `SSH_FXP_EXTENDED "fsync@openssh.com"`: `string handle`.
    case fsync(SFTPFileHandle)

    /// The extension names as servers announce them in VERSION.
    enum ExtensionName {
        static let posixRename = "posix-rename@openssh.com"
        static let fsync = "fsync@openssh.com"
    }

    /// What the state machine needs to know about a request: its kind, without the payload.
    var kind: SFTPRequestKind {
        switch self {
        case .open: .open
        case .close: .close
        case .read: .read
        case .write: .write
        case .lstat: .lstat
        case .stat: .stat
        case .fstat: .fstat
        case .opendir: .opendir
        case .readdir: .readdir
        case .remove: .remove
        case .mkdir: .mkdir
        case .rmdir: .rmdir
        case .realpath: .realpath
        case .rename: .rename
        case .posixRename: .posixRename
        case .fsync: .fsync
        }
    }

    /// The path the request is about, for error messages (the first one for renames).
    var path: String {
        switch self {
        case .open(let path, _, _), .lstat(let path), .stat(let path), .opendir(let path), .remove(let path),
            .mkdir(let path, _), .rmdir(let path), .realpath(let path):
            path
        case .close(let handle), .read(let handle, _, _), .write(let handle, _, _), .fstat(let handle),
            .readdir(let handle), .fsync(let handle):
            handle.path
        case .rename(let from, _), .posixRename(let from, _):
            from
        }
    }

    /// The packet for request `id`: a head and, for WRITE only, the data written after it without copying.
    func encode(id: UInt32, allocator: ByteBufferAllocator) -> (head: ByteBuffer, data: ByteBuffer?) {
        var buffer = allocator.buffer(capacity: 64)
        buffer.writeInteger(UInt32(0))  // length, set below
        var trailing: ByteBuffer?
        switch self {
        case .open(let path, let flags, let attributes):
            Self.writeHeader(.open, id: id, into: &buffer)
            buffer.writeSFTPString(path)
            buffer.writeInteger(flags.rawValue)
            attributes.write(to: &buffer)
        case .close(let handle):
            Self.writeHeader(.close, id: id, into: &buffer)
            buffer.writeSFTPString(handle.bytes)
        case .read(let handle, let offset, let length):
            Self.writeHeader(.read, id: id, into: &buffer)
            buffer.writeSFTPString(handle.bytes)
            buffer.writeInteger(offset)
            buffer.writeInteger(length)
        case .write(let handle, let offset, let data):
            Self.writeHeader(.write, id: id, into: &buffer)
            buffer.writeSFTPString(handle.bytes)
            buffer.writeInteger(offset)
            buffer.writeInteger(UInt32(data.readableBytes))
            trailing = data
        case .lstat(let path):
            Self.writeHeader(.lstat, id: id, into: &buffer)
            buffer.writeSFTPString(path)
        case .stat(let path):
            Self.writeHeader(.stat, id: id, into: &buffer)
            buffer.writeSFTPString(path)
        case .fstat(let handle):
            Self.writeHeader(.fstat, id: id, into: &buffer)
            buffer.writeSFTPString(handle.bytes)
        case .opendir(let path):
            Self.writeHeader(.opendir, id: id, into: &buffer)
            buffer.writeSFTPString(path)
        case .readdir(let handle):
            Self.writeHeader(.readdir, id: id, into: &buffer)
            buffer.writeSFTPString(handle.bytes)
        case .remove(let path):
            Self.writeHeader(.remove, id: id, into: &buffer)
            buffer.writeSFTPString(path)
        case .mkdir(let path, let attributes):
            Self.writeHeader(.mkdir, id: id, into: &buffer)
            buffer.writeSFTPString(path)
            attributes.write(to: &buffer)
        case .rmdir(let path):
            Self.writeHeader(.rmdir, id: id, into: &buffer)
            buffer.writeSFTPString(path)
        case .realpath(let path):
            Self.writeHeader(.realpath, id: id, into: &buffer)
            buffer.writeSFTPString(path)
        case .rename(let from, let to):
            Self.writeHeader(.rename, id: id, into: &buffer)
            buffer.writeSFTPString(from)
            buffer.writeSFTPString(to)
        case .posixRename(let from, let to):
            Self.writeHeader(.extended, id: id, into: &buffer)
            buffer.writeSFTPString(ExtensionName.posixRename)
            buffer.writeSFTPString(from)
            buffer.writeSFTPString(to)
        case .fsync(let handle):
            Self.writeHeader(.extended, id: id, into: &buffer)
            buffer.writeSFTPString(ExtensionName.fsync)
            buffer.writeSFTPString(handle.bytes)
        }
        let length = buffer.readableBytes - 4 + (trailing?.readableBytes ?? 0)
        buffer.setInteger(UInt32(length), at: buffer.readerIndex)
        return (buffer, trailing)
    }

    /// The INIT packet: `uint32 version` (3), no request id and no extensions.
    static func encodeInit(allocator: ByteBufferAllocator) -> ByteBuffer {
        var buffer = allocator.buffer(capacity: 9)
        buffer.writeInteger(UInt32(5))
        buffer.writeInteger(SFTPPacketType.initialize.rawValue)
        buffer.writeInteger(UInt32(3))
        return buffer
    }

    /// Appends the type byte and the request id.
    private static func writeHeader(_ type: SFTPPacketType, id: UInt32, into buffer: inout ByteBuffer) {
        buffer.writeInteger(type.rawValue)
        buffer.writeInteger(id)
    }
}

/// The kind of a request: what it is called and which reply types may answer it.
enum SFTPRequestKind: Sendable, Hashable, CustomStringConvertible {
    case open, close, read, write, lstat, stat, fstat, opendir, readdir, remove, mkdir, rmdir, realpath, rename
    case posixRename, fsync

    /// The reply types the draft allows besides STATUS (which answers every request).
    var successReply: SFTPPacketType? {
        switch self {
        case .open, .opendir: .handle
        case .read: .data
        case .readdir, .realpath: .name
        case .lstat, .stat, .fstat: .attributes
        case .close, .write, .remove, .mkdir, .rmdir, .rename, .posixRename, .fsync: nil
        }
    }

    /// The draft's name, or the extension name, for errors and logs.
    var description: String {
        switch self {
        case .open: "OPEN"
        case .close: "CLOSE"
        case .read: "READ"
        case .write: "WRITE"
        case .lstat: "LSTAT"
        case .stat: "STAT"
        case .fstat: "FSTAT"
        case .opendir: "OPENDIR"
        case .readdir: "READDIR"
        case .remove: "REMOVE"
        case .mkdir: "MKDIR"
        case .rmdir: "RMDIR"
        case .realpath: "REALPATH"
        case .rename: "RENAME"
        case .posixRename: "posix-rename@openssh.com"
        case .fsync: "fsync@openssh.com"
        }
    }
}
