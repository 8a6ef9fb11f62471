/// Listed words (lower-cased UTF-8, at least 4 characters) bucketed by their first four bytes for fast substring search.
struct PasswordWordIndex: Sendable {
    private var buckets: [UInt32: [[UInt8]]] = [:]

    /// Indexes `words`, lower-casing them and skipping those shorter than ``PasswordDictionary/minimumWordLength``.
    init(_ words: [String]) {
        for word in words where word.count >= PasswordDictionary.minimumWordLength {
            let bytes = Array(word.lowercased().utf8)
            buckets[Self.key(bytes[...]), default: []].append(bytes)
        }
    }

    /// Whether some word occurs in `text` (lower-cased UTF-8) as a contiguous byte run.
    func occurs(in text: [UInt8]) -> Bool {
        guard !buckets.isEmpty, text.count >= 4 else { return false }
        for start in 0...(text.count - 4) {
            guard let candidates = buckets[Self.key(text[start...])] else { continue }
            for word in candidates where text.count - start >= word.count {
                if text[start..<(start + word.count)].elementsEqual(word) { return true }
            }
        }
        return false
    }

    private static func key(_ bytes: ArraySlice<UInt8>) -> UInt32 {
        let i = bytes.startIndex
        return UInt32(bytes[i]) << 24 | UInt32(bytes[i + 1]) << 16 | UInt32(bytes[i + 2]) << 8 | UInt32(bytes[i + 3])
    }
}
