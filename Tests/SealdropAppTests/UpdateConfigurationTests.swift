import Foundation
import SealdropCore
import Testing
@testable import SealdropApp

/// `SEALDROP_UPDATE_URL` and `SEALDROP_UPDATE_KEYS`: https or `off` only, keys of 32 bytes, bad values name the key.
@Suite struct UpdateConfigurationTests {
    static func load(_ environment: [String: String]) throws -> ServerConfiguration {
        try ServerConfiguration.load(environment: ["SEALDROP_DATA_DIR": "/tmp/sealdrop-update-config"].merging(environment) { $1 },
                                     configFile: nil, dev: true)
    }

    /// The problem `environment` is refused with, or nil when it loads.
    static func problem(_ environment: [String: String]) -> ConfigurationError? {
        do {
            _ = try load(environment)
            return nil
        } catch {
            return error as? ConfigurationError
        }
    }

    @Test func defaultsOffAndAdditionalKeys() throws {
        #expect(try Self.load([:]).updates == UpdateConfiguration(url: "https://updates.sealdrop.org/v1/manifest.json", additionalKeys: []))
        #expect(try Self.load(["SEALDROP_UPDATE_URL": "off"]).updates.url == nil)
        #expect(try Self.load(["SEALDROP_UPDATE_URL": "OFF"]).updates.url == nil)
        let key = Data(repeating: 9, count: 32)
        let loaded = try Self.load(["SEALDROP_UPDATE_URL": "https://mirror.example:8443/sealdrop/manifest.json",
                                    "SEALDROP_UPDATE_KEYS": "\(key.base64EncodedString()), \(key.base64EncodedString())"])
        #expect(loaded.updates.url == "https://mirror.example:8443/sealdrop/manifest.json")
        #expect(loaded.updates.additionalKeys == [Array(key), Array(key)])
    }

    @Test(arguments: ["http://updates.example/manifest.json", "ftp://updates.example/m.json", "updates.example/manifest.json", "https://", "https://a b/"])
    func onlyHTTPSOrOff(url: String) {
        let problem = Self.problem(["SEALDROP_UPDATE_URL": url])
        #expect(problem?.key == "SEALDROP_UPDATE_URL")
        #expect(problem?.problem == "must be an absolute https URL or off")
    }

    @Test func aBadKeyIsNamedByItsPlace() {
        let good = Data(repeating: 9, count: 32).base64EncodedString()
        let short = Data(repeating: 9, count: 16).base64EncodedString()
        let problem = Self.problem(["SEALDROP_UPDATE_KEYS": "\(good),\(short)"])
        #expect(problem?.key == "SEALDROP_UPDATE_KEYS")
        #expect(problem?.problem == "key 2 is not base64 of a raw 32-byte Ed25519 public key")
        #expect(Self.problem(["SEALDROP_UPDATE_KEYS": "nonsense"])?.problem == "key 1 is not base64 of a raw 32-byte Ed25519 public key")
    }
}
