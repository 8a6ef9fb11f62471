import Foundation

/// Any JSON value: the settings document of the admin API (every key of `SealdropSettings`, picked by dotted
/// key per section), and the form in which `JSONResponse` hands a sorted body to `JSONSerialization`, whose
/// key order (numeric, case-insensitive) its clients have always received; `JSONEncoder` sorts by bytes.
enum JSONValue: Codable, Sendable, Equatable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    /// `value` as JSON, read back through the same encoder and decoder the REST API uses for settings.
    init(encoding value: some Encodable) throws {
        self = try JSONDecoder().decode(JSONValue.self, from: JSONEncoder().encode(value))
    }

    init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let value = try? c.decode(Bool.self) { self = .bool(value) }
        else if let value = try? c.decode(Int64.self) { self = .int(value) }
        else if let value = try? c.decode(Double.self) { self = .double(value) }
        else if let value = try? c.decode(String.self) { self = .string(value) }
        else if let value = try? c.decode([JSONValue].self) { self = .array(value) }
        else { self = .object(try c.decode([String: JSONValue].self)) }
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .null: try c.encodeNil()
        case .bool(let value): try c.encode(value)
        case .int(let value): try c.encode(value)
        case .double(let value): try c.encode(value)
        case .string(let value): try c.encode(value)
        case .array(let value): try c.encode(value)
        case .object(let value): try c.encode(value)
        }
    }

    /// The value as JSON text, keys sorted by `JSONSerialization`.
    func sortedJSON() throws -> Data {
        try JSONSerialization.data(withJSONObject: foundationObject, options: [.sortedKeys, .fragmentsAllowed])
    }

    /// The value as the Foundation objects `JSONSerialization` writes (Swift `Bool` stays a boolean).
    var foundationObject: Any {
        switch self {
        case .null: NSNull()
        case .bool(let value): value
        case .int(let value): value
        case .double(let value): value
        case .string(let value): value
        case .array(let values): values.map(\.foundationObject)
        case .object(let members): members.mapValues(\.foundationObject)
        }
    }

    /// The value at a dotted key (`mail.relayURL`), or nil.
    subscript(path key: String) -> JSONValue? {
        get {
            var current: JSONValue? = self
            for part in key.split(separator: ".") {
                guard case .object(let members)? = current else { return nil }
                current = members[String(part)]
            }
            return current
        }
        set {
            let parts = key.split(separator: ".", maxSplits: 1).map(String.init)
            guard case .object(var members) = self, let first = parts.first else { return }
            if parts.count == 1 {
                members[first] = newValue
            } else {
                var inner = members[first] ?? .object([:])
                if case .object = inner {} else { inner = .object([:]) }
                inner[path: parts[1]] = newValue
                members[first] = inner
            }
            self = .object(members)
        }
    }
}
