/// One recipient stanza: `-> ` arguments, then the body in unpadded base64 wrapped at 64 columns.
struct AgeStanza: Sendable, Equatable {
    /// Space-separated arguments, the type first (`X25519`, then the ephemeral share).
    var arguments: [String]
    /// The wrapped file key.
    var body: [UInt8]

    /// `stanza = arg-line *full-line final-line`: the last body line is shorter than 64 columns, possibly empty.
    var encoded: String {
        var text = "-> " + arguments.joined(separator: " ") + "\n"
        var rest = Substring(AgeFormat.base64(body))
        while rest.count >= AgeFormat.columns {
            text += rest.prefix(AgeFormat.columns) + "\n"
            rest = rest.dropFirst(AgeFormat.columns)
        }
        return text + rest + "\n"
    }
}
