import Foundation

/// The sender-side id of a transfer session: `YYYYMMDD-HHMMSS-` (UTC creation time) + 8 alphanumerics, e.g. `20240522-065711-H8UoUSI6`.
public struct TrackingID: RawRepresentable, Hashable, Codable, Sendable, CustomStringConvertible {
    public let rawValue: String

    /// Accepts only the exact shape with a real UTC date and time (no leap seconds).
    public init?(rawValue: String) {
        let bytes = Array(rawValue.utf8)
        guard bytes.count == 24, bytes[8] == UInt8(ascii: "-"), bytes[15] == UInt8(ascii: "-"),
              bytes[16...].allSatisfy(AlphanumericToken.isAlphanumeric),
              let year = Self.number(bytes[0..<4]), let month = Self.number(bytes[4..<6]),
              let day = Self.number(bytes[6..<8]), let hour = Self.number(bytes[9..<11]),
              let minute = Self.number(bytes[11..<13]), let second = Self.number(bytes[13..<15]),
              CivilDateTime(year: year, month: month, day: day, hour: hour, minute: minute, second: second) != nil
        else { return nil }
        self.rawValue = rawValue
    }

    /// A new tracking id stamped with `date` (in UTC) and 8 random alphanumerics from `rng`.
    public static func random<R: RandomNumberGenerator>(at date: Date, using rng: inout R) -> TrackingID {
        let t = CivilDateTime(date)
        let stamp = CivilDateTime.pad(t.year, width: 4) + CivilDateTime.pad(t.month, width: 2)
            + CivilDateTime.pad(t.day, width: 2) + "-" + CivilDateTime.pad(t.hour, width: 2)
            + CivilDateTime.pad(t.minute, width: 2) + CivilDateTime.pad(t.second, width: 2)
        let raw = stamp + "-" + AlphanumericToken.random(length: 8, using: &rng)
        guard let id = TrackingID(rawValue: raw) else {
            preconditionFailure("tracking ids need a date between the years 0000 and 9999")
        }
        return id
    }

    /// A new tracking id stamped with `date` (default: now), random part from the system CSPRNG.
    public static func random(at date: Date = Date()) -> TrackingID {
        var rng = SystemRandomNumberGenerator()
        return random(at: date, using: &rng)
    }

    /// The creation time encoded in the id (whole seconds, UTC).
    public var date: Date {
        let b = Array(rawValue.utf8)
        // The initializer validated every field, so the force-unwraps cannot fail.
        let t = CivilDateTime(
            year: Self.number(b[0..<4])!, month: Self.number(b[4..<6])!, day: Self.number(b[6..<8])!,
            hour: Self.number(b[9..<11])!, minute: Self.number(b[11..<13])!, second: Self.number(b[13..<15])!)!
        return Date(timeIntervalSince1970: TimeInterval(t.secondsSince1970))
    }

    public var description: String { rawValue }

    /// Parses ASCII decimal digits; `nil` for anything else.
    private static func number(_ bytes: ArraySlice<UInt8>) -> Int? {
        var value = 0
        for byte in bytes {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
        }
        return value
    }
}
