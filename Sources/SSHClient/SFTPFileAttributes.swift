import NIOCore

/// File attributes as SFTP version 3 carries them (draft-ietf-secsh-filexfer-02 §5); each field is present
/// only when the server (or the request) includes it.
///
/// ```
/// uint32   flags
/// uint64   size           present only if flag SSH_FILEXFER_ATTR_SIZE
/// uint32   uid            present only if flag SSH_FILEXFER_ATTR_UIDGID
/// uint32   gid            present only if flag SSH_FILEXFER_ATTR_UIDGID
/// uint32   permissions    present only if flag SSH_FILEXFER_ATTR_PERMISSIONS
/// uint32   atime          present only if flag SSH_FILEXFER_ACMODTIME
/// uint32   mtime          present only if flag SSH_FILEXFER_ACMODTIME
/// uint32   extended_count present only if flag SSH_FILEXFER_ATTR_EXTENDED
/// string   extended_type
/// string   extended_data
/// ...      more extended data (extended_type - extended_data pairs),
/// ```
public struct SFTPFileAttributes: Hashable, Sendable {
    /// Size in bytes.
    public var size: UInt64?
    /// Owner and group ids (present together).
    public var userID: UInt32?
    /// Group id.
    public var groupID: UInt32?
    /// POSIX mode bits, including the file type bits (`S_IFMT`).
    public var permissions: UInt32?
    /// Access time, seconds since 1970 (present together with ``modificationTime``).
    public var accessTime: UInt32?
    /// Modification time, seconds since 1970.
    public var modificationTime: UInt32?
    /// Vendor extensions, in the server's order.
    public var extended: [Extension]

    /// One `extended_type`/`extended_data` pair.
    public struct Extension: Hashable, Sendable {
        /// `name@domain`.
        public var type: String
        /// Opaque data.
        public var data: [UInt8]

        /// Creates a pair.
        public init(type: String, data: [UInt8]) {
            self.type = type
            self.data = data
        }
    }

    /// Creates attributes; absent fields are not sent.
    public init(
        size: UInt64? = nil,
        userID: UInt32? = nil,
        groupID: UInt32? = nil,
        permissions: UInt32? = nil,
        accessTime: UInt32? = nil,
        modificationTime: UInt32? = nil,
        extended: [Extension] = []
    ) {
        self.size = size
        self.userID = userID
        self.groupID = groupID
        self.permissions = permissions
        self.accessTime = accessTime
        self.modificationTime = modificationTime
        self.extended = extended
    }

    /// The file type bits of ``permissions`` (`S_IFMT`).
    private static let typeMask: UInt32 = 0o170000

    /// Whether ``permissions`` says directory (`S_IFDIR`); false when unknown.
    public var isDirectory: Bool { self.permissions.map { $0 & Self.typeMask == 0o040000 } ?? false }
    /// Whether ``permissions`` says regular file (`S_IFREG`); false when unknown.
    public var isRegularFile: Bool { self.permissions.map { $0 & Self.typeMask == 0o100000 } ?? false }
    /// Whether ``permissions`` says symbolic link (`S_IFLNK`); false when unknown.
    public var isSymbolicLink: Bool { self.permissions.map { $0 & Self.typeMask == 0o120000 } ?? false }
}

extension SFTPFileAttributes {
    /// The `flags` bits of the encoding.
    enum Flag {
        static let size: UInt32 = 0x0000_0001
        static let userGroupID: UInt32 = 0x0000_0002
        static let permissions: UInt32 = 0x0000_0004
        static let accessModificationTime: UInt32 = 0x0000_0008
        static let extended: UInt32 = 0x8000_0000
    }

    /// Reads attributes; nil when the buffer ends early.
    init?(reading buffer: inout ByteBuffer) {
        guard let flags = buffer.readInteger(as: UInt32.self) else { return nil }
        self.init()
        if flags & Flag.size != 0 {
            guard let size = buffer.readInteger(as: UInt64.self) else { return nil }
            self.size = size
        }
        if flags & Flag.userGroupID != 0 {
            guard let uid = buffer.readInteger(as: UInt32.self), let gid = buffer.readInteger(as: UInt32.self) else {
                return nil
            }
            self.userID = uid
            self.groupID = gid
        }
        if flags & Flag.permissions != 0 {
            guard let permissions = buffer.readInteger(as: UInt32.self) else { return nil }
            self.permissions = permissions
        }
        if flags & Flag.accessModificationTime != 0 {
            guard let atime = buffer.readInteger(as: UInt32.self), let mtime = buffer.readInteger(as: UInt32.self) else {
                return nil
            }
            self.accessTime = atime
            self.modificationTime = mtime
        }
        if flags & Flag.extended != 0 {
            guard let count = buffer.readInteger(as: UInt32.self) else { return nil }
            for _ in 0..<count {
                // Each pair needs at least 8 bytes, so a huge count in a short packet ends here, not in a long loop.
                guard let type = buffer.readSFTPString(), let data = buffer.readSFTPString() else { return nil }
                self.extended.append(Extension(type: String(buffer: type), data: Array(buffer: data)))
            }
        }
    }

    /// Appends the encoding; `userID` and `groupID` are sent only together, as are the two times.
    func write(to buffer: inout ByteBuffer) {
        var flags: UInt32 = 0
        if self.size != nil { flags |= Flag.size }
        if self.userID != nil, self.groupID != nil { flags |= Flag.userGroupID }
        if self.permissions != nil { flags |= Flag.permissions }
        if self.accessTime != nil, self.modificationTime != nil { flags |= Flag.accessModificationTime }
        if !self.extended.isEmpty { flags |= Flag.extended }
        buffer.writeInteger(flags)
        if let size = self.size { buffer.writeInteger(size) }
        if let uid = self.userID, let gid = self.groupID {
            buffer.writeInteger(uid)
            buffer.writeInteger(gid)
        }
        if let permissions = self.permissions { buffer.writeInteger(permissions) }
        if let atime = self.accessTime, let mtime = self.modificationTime {
            buffer.writeInteger(atime)
            buffer.writeInteger(mtime)
        }
        if !self.extended.isEmpty {
            buffer.writeInteger(UInt32(self.extended.count))
            for pair in self.extended {
                buffer.writeSFTPString(Array(pair.type.utf8))
                buffer.writeSFTPString(pair.data)
            }
        }
    }
}
