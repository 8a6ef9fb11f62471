import Foundation
import SealdropCrypto
import SealdropApp
import SealdropCore
import Testing

/// Issue 11 (informational): the configuration accepted scrypt `logN` down to 1, which makes transfer passwords
/// cheap to guess offline from a stolen database. It now has a floor, with an explicit switch for test setups.
@Suite struct PasswordWrapConfigurationTests {
    func load(_ json: String) throws -> ServerConfiguration {
        let path = "/tmp/sealdrop-wrap-config-\(UInt32.random(in: 0...UInt32.max)).json"
        try json.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        return try ServerConfiguration.load(environment: ["SEALDROP_DATA_DIR": "/tmp/sealdrop-wrap-config-test"], configFile: path, dev: false)
    }

    @Test func weakScryptCostIsRefusedWithTheKeyNamed() throws {
        for weak in [#"{"logN": 1, "r": 8, "p": 1}"#, #"{"logN": 13, "r": 8, "p": 1}"#, #"{"logN": 15, "r": 1, "p": 1}"#] {
            #expect {
                _ = try load(#"{"passwordWrap": \#(weak)}"#)
            } throws: { ($0 as? ConfigurationError)?.key == "passwordWrap" }
        }
        #expect(try load("{}").passwordWrap == .default)
        #expect(try load(#"{"passwordWrap": {"logN": 14, "r": 8, "p": 1}}"#).passwordWrap.logN == 14)
    }

    @Test func testSetupsMaySayTheyAreInsecure() throws {
        let c = try load(#"{"passwordWrap": {"logN": 10, "r": 8, "p": 1}, "insecureTestingCosts": true}"#)
        #expect(c.passwordWrap == .fast)
    }
}
