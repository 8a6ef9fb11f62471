import Foundation
import Hummingbird
import NIOCore
import SealdropCore
import ServiceLifecycle

/// One HTTP listener; a bind failure becomes one clear line naming the listener and what to do.
struct ListenerService<Responder: HTTPResponder>: Service where Responder.Context: InitializableFromSource<ApplicationRequestContextSource> {
    let name: String
    let variable: String
    let address: ListenerAddress
    let application: Application<Responder>

    func run() async throws {
        do {
            try await application.run()
        } catch let error as IOError where [EADDRINUSE, EACCES, EADDRNOTAVAIL].contains(error.errnoCode) {
            let reason = switch error.errnoCode {
            case EADDRINUSE: "the address is already in use"
            case EACCES: "binding this port is not permitted (ports below 1024 need privileges)"
            default: "the address is not available on this host"
            }
            throw ConfigurationError(key: variable, problem: "\(name) listener \(address): \(reason); set \(variable) to a free host:port or off")
        }
    }
}
