/// The components Lifeboat knows, in the order a set holds them. Adding a
/// component is its folder under `Components/` and one line here.
enum ComponentRegistry {
    static let handlers: [any ComponentHandler] = [
        MongoComponent(), RedisComponent(), FilesComponent(), ConfigComponent(), CodeComponent(),
    ]

    static let names: [String] = handlers.map(\.component.rawValue)

    static func handler(_ component: Component) -> any ComponentHandler {
        handlers[order(component)]
    }

    static func order(_ component: Component) -> Int {
        // A Component exists only for a registered name (Component.init?(rawValue:)).
        names.firstIndex(of: component.rawValue)!
    }
}
