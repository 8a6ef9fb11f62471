import Foundation

/// A `multipart/form-data` body (RFC 7578), read whole and bounded by the caller: text fields by name and
/// the bytes of file fields by name. Only what the admin upload forms need: no nested multiparts.
struct MultipartForm: Sendable {
    var fields: [String: String] = [:]
    var files: [String: [UInt8]] = [:]

    /// Parses `body` with the boundary of `contentType`; nil when it is not multipart or is malformed.
    init?(contentType: String?, body: [UInt8]) {
        guard let contentType, contentType.lowercased().hasPrefix("multipart/form-data"),
              let range = contentType.range(of: "boundary=", options: .caseInsensitive) else { return nil }
        var boundary = String(contentType[range.upperBound...].prefix { $0 != ";" }).trimmingCharacters(in: .whitespaces)
        if boundary.hasPrefix("\""), boundary.hasSuffix("\""), boundary.count >= 2 { boundary = String(boundary.dropFirst().dropLast()) }
        guard !boundary.isEmpty, boundary.utf8.count <= 200 else { return nil }
        let delimiter = Array(("--" + boundary).utf8)
        var parts: [ArraySlice<UInt8>] = []
        var cursor = 0
        var start: Int?
        while let found = Self.find(delimiter, in: body, from: cursor) {
            if let start { parts.append(body[start..<max(start, found - 2)]) }  // the CRLF before a delimiter belongs to it
            var next = found + delimiter.count
            if body[next..<min(body.count, next + 2)].elementsEqual("--".utf8) { start = nil; break }
            if body[next..<min(body.count, next + 2)].elementsEqual("\r\n".utf8) { next += 2 }
            start = next
            cursor = next
        }
        guard start == nil, !parts.isEmpty else { return nil }
        for part in parts {
            guard let split = Self.find(Array("\r\n\r\n".utf8), in: Array(part), from: 0) else { return nil }
            let headerBytes = Array(part)[0..<split]
            let content = Array(Array(part)[(split + 4)...])
            let headers = String(decoding: headerBytes, as: UTF8.self)
            guard let disposition = headers.split(separator: "\r\n").first(where: { $0.lowercased().hasPrefix("content-disposition:") }),
                  let name = Self.parameter("name", in: String(disposition)) else { return nil }
            if Self.parameter("filename", in: String(disposition)) != nil {
                files[name] = content
            } else {
                fields[name] = String(decoding: content, as: UTF8.self)
            }
        }
    }

    /// A quoted or plain `key=value` parameter of a header value.
    static func parameter(_ key: String, in header: String) -> String? {
        for piece in header.split(separator: ";").dropFirst() {
            let pair = piece.split(separator: "=", maxSplits: 1)
            guard pair.count == 2, pair[0].trimmingCharacters(in: .whitespaces).lowercased() == key else { continue }
            var value = pair[1].trimmingCharacters(in: .whitespaces)
            if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 { value = String(value.dropFirst().dropLast()) }
            return value
        }
        return nil
    }

    /// The first index of `needle` in `haystack` at or after `from`.
    static func find(_ needle: [UInt8], in haystack: [UInt8], from: Int) -> Int? {
        guard !needle.isEmpty, haystack.count >= needle.count, from <= haystack.count - needle.count else { return nil }
        let first = needle[0]
        var i = from
        while i <= haystack.count - needle.count {
            if haystack[i] == first, haystack[i..<i + needle.count].elementsEqual(needle) { return i }
            i += 1
        }
        return nil
    }
}
