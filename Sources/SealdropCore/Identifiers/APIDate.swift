import Foundation

/// The REST API's date format: ISO 8601 with `T` and a numeric offset, e.g. `2020-10-09T11:51:46+02:00`.
public enum APIDate {
    /// Formats `date` in `timeZone` to whole seconds; UTC is written `+00:00`, never `Z`.
    public static func format(_ date: Date, timeZone: TimeZone = .current) -> String {
        // Historic offsets with seconds (local mean time) are truncated to whole minutes.
        let offsetMinutes = timeZone.secondsFromGMT(for: date) / 60
        let t = CivilDateTime(date, offsetSeconds: offsetMinutes * 60)
        let sign = offsetMinutes < 0 ? "-" : "+"
        let magnitude = abs(offsetMinutes)
        return CivilDateTime.pad(t.year, width: 4) + "-" + CivilDateTime.pad(t.month, width: 2) + "-"
            + CivilDateTime.pad(t.day, width: 2) + "T" + CivilDateTime.pad(t.hour, width: 2) + ":"
            + CivilDateTime.pad(t.minute, width: 2) + ":" + CivilDateTime.pad(t.second, width: 2)
            + sign + CivilDateTime.pad(magnitude / 60, width: 2) + ":" + CivilDateTime.pad(magnitude % 60, width: 2)
    }

    /// Parses `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM|±HHMM)`; `nil` for anything else.
    public static func parse(_ string: String) -> Date? {
        var scanner = Scanner(Array(string.utf8))
        guard let year = scanner.digits(4), scanner.skip("-"), let month = scanner.digits(2), scanner.skip("-"),
              let day = scanner.digits(2), scanner.skip("T") || scanner.skip("t"),
              let hour = scanner.digits(2), scanner.skip(":"), let minute = scanner.digits(2), scanner.skip(":"),
              let second = scanner.digits(2),
              let civil = CivilDateTime(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
        else { return nil }

        var fraction = 0.0
        if scanner.skip(".") {
            var scale = 0.1
            var count = 0
            while let digit = scanner.digits(1) {
                fraction += Double(digit) * scale
                scale /= 10
                count += 1
            }
            guard count > 0 else { return nil }
        }

        let offsetSeconds: Int
        if scanner.skip("Z") || scanner.skip("z") {
            offsetSeconds = 0
        } else {
            let negative: Bool
            if scanner.skip("+") { negative = false } else if scanner.skip("-") { negative = true } else { return nil }
            guard let hours = scanner.digits(2) else { return nil }
            _ = scanner.skip(":")
            guard let minutes = scanner.digits(2), hours <= 23, minutes <= 59 else { return nil }
            offsetSeconds = (negative ? -1 : 1) * (hours * 3_600 + minutes * 60)
        }
        guard scanner.isAtEnd else { return nil }
        return Date(timeIntervalSince1970: TimeInterval(civil.secondsSince1970 - offsetSeconds) + fraction)
    }

    /// A minimal cursor over ASCII bytes.
    private struct Scanner {
        let bytes: [UInt8]
        var index = 0

        init(_ bytes: [UInt8]) {
            self.bytes = bytes
        }

        var isAtEnd: Bool { index == bytes.count }

        /// Consumes `character` if it is next.
        mutating func skip(_ character: Unicode.Scalar) -> Bool {
            guard index < bytes.count, bytes[index] == UInt8(ascii: character) else { return false }
            index += 1
            return true
        }

        /// Consumes exactly `count` decimal digits and returns their value.
        mutating func digits(_ count: Int) -> Int? {
            guard index + count <= bytes.count else { return nil }
            var value = 0
            for byte in bytes[index..<(index + count)] {
                guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
                value = value * 10 + Int(byte - UInt8(ascii: "0"))
            }
            index += count
            return value
        }
    }
}
