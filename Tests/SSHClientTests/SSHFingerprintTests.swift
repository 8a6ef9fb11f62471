import Foundation
import Testing

@testable import SSHClient

/// Fingerprints match what OpenSSH's `ssh-keygen -lf` prints for the same key.
@Suite struct SSHFingerprintTests {
    /// Key and fingerprint produced by `ssh-keygen -t ed25519` and `ssh-keygen -lf` (OpenSSH 9.2).
    @Test func matchesSSHKeygen() throws {
        let blob = try #require(Data(base64Encoded: "AAAAC3NzaC1lZDI1NTE5AAAAIFrY41LK4FNRifUfL6kqnNRcklIxZN6Ad7a1z4iN54bo"))
        #expect(SSHFingerprint(keyBlob: blob).description == "SHA256:h8/Vj2kyP5i1jK7QiZ7vjLU2oGvnahLlwkS0PwU0lOo")
    }

    /// A pasted fingerprint is accepted with or without padding and refused when it is anything else.
    @Test func parsesPastedFingerprints() {
        #expect(SSHFingerprint(parsing: " SHA256:h8/Vj2kyP5i1jK7QiZ7vjLU2oGvnahLlwkS0PwU0lOo ")?.description
            == "SHA256:h8/Vj2kyP5i1jK7QiZ7vjLU2oGvnahLlwkS0PwU0lOo")
        #expect(SSHFingerprint(parsing: "SHA256:h8/Vj2kyP5i1jK7QiZ7vjLU2oGvnahLlwkS0PwU0lOo=") != nil)
        #expect(SSHFingerprint(parsing: "MD5:a9:23:9a:cc") == nil)
        #expect(SSHFingerprint(parsing: "SHA256:short") == nil)
    }
}
