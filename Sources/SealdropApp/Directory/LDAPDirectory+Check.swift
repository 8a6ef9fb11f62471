import Foundation
import LDAPClient
import SealdropCore
import SealdropServices

extension LDAPDirectory {
    /// The admin's "Check connection": each URL in order until one answers, with the steps `connect`, `tls`,
    /// `bind` and `search` in the LDAP client's own words. Uses clients of its own, so unsaved settings can be
    /// tried without touching the ones in force.
    func check(_ settings: DirectorySettings, testAddress: String?) async -> [DirectoryCheckStep] {
        guard !settings.urls.isEmpty else { return [DirectoryCheckStep(step: "connect", ok: false, detail: "directory.urls names no server")] }
        var steps: [DirectoryCheckStep] = []
        for url in settings.urls {
            let configuration: LDAPConfiguration
            do {
                configuration = try Self.configuration(url: url, settings, trustCAPath: trustCAPath)
            } catch {
                steps.append(DirectoryCheckStep(step: "connect", ok: false, detail: error.description))
                continue
            }
            let client = LDAPClient(configuration: configuration, logger: logger)
            let (urlSteps, reached) = await Self.check(client, configuration, url: url, settings, testAddress: testAddress, directory: self)
            await client.shutdown()
            steps += urlSteps
            if reached { break }
        }
        return steps
    }

    /// The steps against one server; `reached` when it could be connected to (the check then stops there).
    static func check(_ client: LDAPClient, _ configuration: LDAPConfiguration, url: String, _ settings: DirectorySettings,
                      testAddress: String?, directory: LDAPDirectory) async -> (steps: [DirectoryCheckStep], reached: Bool) {
        let endpoint = "\(configuration.security == .ldaps ? "ldaps" : "ldap")://\(configuration.host):\(configuration.port)"
        let tls = configuration.security == .ldaps ? "TLS from the first byte" : "StartTLS"
        let roots = directory.trustCAPath.map { "the system roots and \($0)" } ?? "the system roots"
        let passed = [
            DirectoryCheckStep(step: "connect", ok: true, detail: endpoint),
            DirectoryCheckStep(step: "tls", ok: true, detail: "\(tls); certificate verified against \(roots)"),
            DirectoryCheckStep(step: "bind", ok: true, detail: settings.bindDN.isEmpty ? "anonymous" : "bound as \(settings.bindDN)"),
        ]
        do {
            let base = try await client.search(DirectoryQuery.entryTest(base: settings.baseDN, .present(attribute: "objectClass"), settings))
            guard let testAddress, !testAddress.isEmpty else {
                let found = base.entries.first.map { "base DN \($0.dn) found" } ?? "base DN \(settings.baseDN) not visible to this account"
                return (passed + [DirectoryCheckStep(step: "search", ok: !base.entries.isEmpty, detail: found)], true)
            }
            let user = try await directory.findUser(testAddress, settings, client)
            let detail = user.map { "found \(testAddress) as \($0.dn)" } ?? "no enabled user entry has the address \(testAddress)"
            return (passed + [DirectoryCheckStep(step: "search", ok: user != nil, detail: detail)], true)
        } catch let error as LDAPError {
            return failed(error, passed)
        } catch let error as DirectoryError {
            if let ldap = error.underlying { return failed(ldap, passed) }
            return (passed + [DirectoryCheckStep(step: "search", ok: false, detail: error.description)], true)
        } catch {
            return (passed + [DirectoryCheckStep(step: "search", ok: false, detail: "unexpected failure (\(type(of: error)))")], true)
        }
    }

    /// The steps passed before `error`'s phase, then the failed step with the client's description.
    static func failed(_ error: LDAPError, _ passed: [DirectoryCheckStep]) -> (steps: [DirectoryCheckStep], reached: Bool) {
        let step: String = switch error.phase {
        case .connectionWait, .connect: "connect"
        case .tlsHandshake, .startTLS: "tls"
        case .bind: "bind"
        case .search, .unbind: "search"
        }
        let order = ["connect", "tls", "bind", "search"]
        let index = order.firstIndex(of: step) ?? 0
        return (Array(passed.prefix(index)) + [DirectoryCheckStep(step: step, ok: false, detail: error.description)], step != "connect")
    }
}
