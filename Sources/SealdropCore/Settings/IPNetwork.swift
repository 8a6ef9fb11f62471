/// An IPv4 or IPv6 network in CIDR notation (`10.0.0.0/8`, `::1/128`); a bare address is a /32 or /128.
public struct IPNetwork: Sendable, Equatable, CustomStringConvertible {
    /// Loopback and private ranges: the intranet the admin interface belongs to.
    public static let defaultAdminNetworks = ["127.0.0.0/8", "::1/128", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"]

    /// 16 bytes; IPv4 as an IPv4-mapped IPv6 address.
    let address: [UInt8]
    /// Prefix length over the 16 bytes (IPv4 prefixes + 96).
    let prefix: Int
    public let description: String

    public init?(_ text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), let address = Self.parse(String(parts[0])) else { return nil }
        let isV4 = !parts[0].contains(":")
        let maximum = isV4 ? 32 : 128
        let length: Int
        if parts.count == 2 {
            guard let parsed = Int(parts[1]), (0...maximum).contains(parsed), parts[1].allSatisfy(\.isNumber) else { return nil }
            length = parsed
        } else {
            length = maximum
        }
        self.address = address
        self.prefix = isV4 ? length + 96 : length
        self.description = text
    }

    /// Whether `ip` (textual IPv4 or IPv6, IPv4-mapped IPv6 included) lies in the network.
    public func contains(_ ip: String) -> Bool {
        guard let other = Self.parse(ip) else { return false }
        var remaining = prefix
        for i in 0..<16 where remaining > 0 {
            let bits = min(8, remaining)
            let mask = UInt8(truncatingIfNeeded: 0xFF << (8 - bits))
            if address[i] & mask != other[i] & mask { return false }
            remaining -= bits
        }
        return true
    }

    /// 16 bytes of an IPv4 (mapped) or IPv6 address; nil if malformed.
    static func parse(_ text: String) -> [UInt8]? {
        var text = text
        if let percent = text.firstIndex(of: "%") { text = String(text[..<percent]) }
        if !text.contains(":") {
            guard let v4 = parseV4(text) else { return nil }
            return [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF] + v4
        }
        var body = text
        // A dotted IPv4 tail (`::ffff:10.0.0.1`) becomes two hex groups.
        if let lastColon = text.lastIndex(of: ":"), text[text.index(after: lastColon)...].contains(".") {
            guard let v4 = parseV4(String(text[text.index(after: lastColon)...])) else { return nil }
            body = String(text[...lastColon]) + String(UInt16(v4[0]) << 8 | UInt16(v4[1]), radix: 16) + ":"
                + String(UInt16(v4[2]) << 8 | UInt16(v4[3]), radix: 16)
        }
        let halves = body.components(separatedBy: "::")
        guard halves.count <= 2 else { return nil }
        func groups(_ s: String) -> [UInt16]? {
            if s.isEmpty { return [] }
            var result: [UInt16] = []
            for g in s.split(separator: ":", omittingEmptySubsequences: false) {
                guard (1...4).contains(g.count), let v = UInt16(g, radix: 16) else { return nil }
                result.append(v)
            }
            return result
        }
        guard let head = groups(halves[0]) else { return nil }
        let rest = halves.count == 2 ? groups(halves[1]) : []
        guard let rest else { return nil }
        let total = head.count + rest.count
        if halves.count == 1 { guard total == 8 else { return nil } } else { guard total < 8 else { return nil } }
        let all = head + Array(repeating: 0, count: 8 - total) + rest
        var bytes: [UInt8] = []
        for g in all { bytes += [UInt8(g >> 8), UInt8(g & 0xFF)] }
        return bytes
    }

    static func parseV4(_ text: String) -> [UInt8]? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var bytes: [UInt8] = []
        for p in parts {
            guard (1...3).contains(p.count), p.allSatisfy(\.isNumber), let v = UInt8(p) else { return nil }
            bytes.append(v)
        }
        return bytes
    }

    /// The part of a client address one party controls, for per-source rate limits: an IPv4 address whole,
    /// an IPv6 address by its /64 (one subscriber gets at least a /64, so the rest is free for them to vary).
    public static func sourceKey(_ ip: String) -> String {
        guard let bytes = parse(ip) else { return ip }
        let isV4 = bytes[0..<10].allSatisfy { $0 == 0 } && bytes[10] == 0xFF && bytes[11] == 0xFF
        let kept = isV4 ? bytes : Array(bytes[0..<8])
        return kept.map { String($0, radix: 16) }.joined(separator: ".")
    }
}
