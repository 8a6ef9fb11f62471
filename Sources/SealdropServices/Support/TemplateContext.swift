import Mustache

/// One Mustache context made of several typed models, looked up in order: the surroundings' values first
/// (a page layout, the common mail values), then the model of the page or mail itself.
///
/// A value that is absent or nil in one frame is looked up in the next, exactly as a missing dictionary key
/// was when templates were rendered from dictionaries; inside sections Mustache still climbs from the
/// section's object to this context. Models are structs whose stored properties are the template's names.
public struct TemplateContext: MustacheParent {
    public let frames: [Any]

    public init(_ frames: Any...) { self.frames = frames }

    public func child(named name: String) -> Any? {
        for frame in frames {
            if let value = Self.value(named: name, in: frame) { return value }
        }
        return nil
    }

    /// The stored property (or dictionary entry) `name` of `frame`, with an optional unwrapped; nil when absent or nil.
    static func value(named name: String, in frame: Any) -> Any? {
        if let parent = frame as? any MustacheParent { return parent.child(named: name) }
        guard let child = Mirror(reflecting: frame).children.first(where: { $0.label == name })?.value else { return nil }
        let mirror = Mirror(reflecting: child)
        guard mirror.displayStyle == .optional else { return child }
        return mirror.children.first?.value
    }
}

/// The model of a page or mail that shows nothing of its own beyond its surroundings.
public struct EmptyModel: Sendable {
    public init() {}
}
