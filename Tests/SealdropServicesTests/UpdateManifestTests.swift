import Crypto
import Foundation
import SealdropCore
@testable import SealdropServices
import Testing

/// The pure parts of the update check: strict manifest decoding, semantic version order, the Ed25519 signature
/// check against the trusted keys, `SEALDROP_UPDATE_KEYS` parsing and the status line.
@Suite struct UpdateManifestTests {
    static func manifest(issuedAt: String = "2026-12-01T10:00:00Z", versions: String = #"[{"version": "1.4.0", "released": "2026-11-30T09:00:00Z", "severity": "security", "notes": "https://sealdrop.example/releases/1.4.0"}]"#) -> [UInt8] {
        Array(#"{"issuedAt": "\#(issuedAt)", "versions": \#(versions)}"#.utf8)
    }

    @Test func aWellFormedManifestDecodes() throws {
        let manifest = try UpdateManifest(bytes: Self.manifest(issuedAt: "2026-12-01T11:00:00.250+01:00"))
        #expect(abs(manifest.issuedAt.timeIntervalSince1970 - 1_796_119_200.25) < 0.001)
        #expect(manifest.versions == [UpdateRelease(version: "1.4.0", released: Date(timeIntervalSince1970: 1_796_029_200), severity: .security,
                                                    notes: "https://sealdrop.example/releases/1.4.0")])
        // Members a later format adds are ignored.
        #expect(throws: Never.self) { try UpdateManifest(bytes: Array(#"{"issuedAt": "2026-12-01T10:00:00Z", "versions": [], "expires": "x"}"#.utf8)) }
    }

    @Test(arguments: [
        (#"[1, 2]"#, "not a JSON object"),
        (#"{"versions": []}"#, "issuedAt is not an RFC 3339 time"),
        (#"{"issuedAt": "2026-12-01", "versions": []}"#, "issuedAt is not an RFC 3339 time"),
        (#"{"issuedAt": 1764583200, "versions": []}"#, "issuedAt is not an RFC 3339 time"),
        (#"{"issuedAt": "2026-12-01T10:00:00Z"}"#, "versions is not an array"),
        (#"{"issuedAt": "2026-12-01T10:00:00Z", "versions": ["1.4.0"]}"#, "versions[0] is not an object"),
        (#"{"issuedAt": "2026-12-01T10:00:00Z", "versions": [{"version": "1.4", "released": "2026-11-30T09:00:00Z", "severity": "fix", "notes": "https://a.example/"}]}"#,
         "versions[0].version is not a semantic version number"),
        (#"{"issuedAt": "2026-12-01T10:00:00Z", "versions": [{"version": "v1.4.0", "released": "2026-11-30T09:00:00Z", "severity": "fix", "notes": "https://a.example/"}]}"#,
         "versions[0].version is not a semantic version number"),
        (#"{"issuedAt": "2026-12-01T10:00:00Z", "versions": [{"version": "1.4.0", "released": "yesterday", "severity": "fix", "notes": "https://a.example/"}]}"#,
         "versions[0].released is not an RFC 3339 time"),
        (#"{"issuedAt": "2026-12-01T10:00:00Z", "versions": [{"version": "1.4.0", "released": "2026-11-30T09:00:00Z", "severity": "critical", "notes": "https://a.example/"}]}"#,
         "versions[0].severity is not security, fix or feature"),
        (#"{"issuedAt": "2026-12-01T10:00:00Z", "versions": [{"version": "1.4.0", "released": "2026-11-30T09:00:00Z", "severity": "fix", "notes": "javascript:alert(1)"}]}"#,
         "versions[0].notes is not an http(s) URL"),
        ("{\"issuedAt\": \"2026-12-01T10:00:00Z\", \"versions\": [", "not a JSON object"),
    ])
    func anythingElseIsMalformed(text: String, reason: String) {
        #expect(throws: UpdateCheckError.malformed(reason)) { try UpdateManifest(bytes: Array(text.utf8)) }
    }

    @Test func versionsCompareNumericallyAndPreReleasesRankBelowTheirRelease() throws {
        let ordered = ["0.9.9", "1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0", "1.2.0", "1.10.0", "10.0.0"]
        let parsed = try ordered.map { try #require(SemanticVersion($0)) }
        #expect(parsed == parsed.sorted())
        #expect(parsed.map(\.description) == ordered)
        for bad in ["1.4", "1.4.0.1", "01.4.0", "1.4.0+build", "v1.4.0", "1.4.0-", "1.4.0-01", "", "1..0", "1.4.x", "1234567890.0.0"] {
            #expect(SemanticVersion(bad) == nil, "\(bad)")
        }
    }

    @Test func theHighestNewerVersionIsPicked() throws {
        let versions = #"""
        [{"version": "1.10.0", "released": "2026-11-30T09:00:00Z", "severity": "feature", "notes": "https://a.example/1.10"},
         {"version": "1.9.3", "released": "2026-11-30T09:00:00Z", "severity": "security", "notes": "https://a.example/1.9.3"},
         {"version": "1.3.0", "released": "2026-11-30T09:00:00Z", "severity": "fix", "notes": "https://a.example/1.3"}]
        """#
        let manifest = try UpdateManifest(bytes: Self.manifest(versions: versions))
        #expect(manifest.newest(above: try #require(SemanticVersion("1.3.0")))?.version == "1.10.0")
        #expect(manifest.newest(above: try #require(SemanticVersion("1.10.0"))) == nil)
        #expect(manifest.newest(above: try #require(SemanticVersion("2.0.0"))) == nil)
    }

    @Test func theSignatureMustVerifyWithATrustedKey() throws {
        let key = Curve25519.Signing.PrivateKey()
        let other = Curve25519.Signing.PrivateKey()
        let bytes = Self.manifest()
        let verifier = try UpdateSignatureVerifier(additional: [Array(key.publicKey.rawRepresentation)])
        let signature = Array((try key.signature(for: bytes).base64EncodedString() + "\n").utf8)
        try verifier.verify(manifest: bytes, signatureFile: signature)
        // One changed byte, another key, not base64, a short signature: all refused.
        var tampered = bytes
        tampered[tampered.count - 3] ^= 1
        #expect(throws: UpdateCheckError.badSignature("it does not verify with any trusted release key")) {
            try verifier.verify(manifest: tampered, signatureFile: signature)
        }
        #expect(throws: UpdateCheckError.badSignature("it does not verify with any trusted release key")) {
            try verifier.verify(manifest: bytes, signatureFile: Array(try other.signature(for: bytes).base64EncodedString().utf8))
        }
        #expect(throws: UpdateCheckError.badSignature("the .sig file is not base64 of a 64-byte Ed25519 signature")) {
            try verifier.verify(manifest: bytes, signatureFile: Array("not base64!".utf8))
        }
        #expect(throws: UpdateCheckError.badSignature("the .sig file is not base64 of a 64-byte Ed25519 signature")) {
            try verifier.verify(manifest: bytes, signatureFile: Array(Data(repeating: 1, count: 32).base64EncodedString().utf8))
        }
        // Without the additional key only the built-in release key is trusted, which did not sign this.
        #expect(throws: UpdateCheckError.self) { try UpdateSignatureVerifier().verify(manifest: bytes, signatureFile: signature) }
    }

    @Test func theBuiltInKeyIsAValidEd25519Key() throws {
        #expect(UpdateSignatureVerifier.builtInKeys.count >= 1)
        let keys = try UpdateSignatureVerifier().keys
        #expect(keys.count == UpdateSignatureVerifier.builtInKeys.count)
        #expect(try keys.allSatisfy { try Curve25519.Signing.PublicKey(rawRepresentation: $0).rawRepresentation.count == 32 })
    }

    @Test func additionalKeysMustBe32BytesOfBase64() throws {
        let good = Data(repeating: 7, count: 32).base64EncodedString()
        #expect(try UpdateSignatureVerifier.parseKeys("\(good), \(good)").count == 2)
        #expect(throws: UpdateKeyError(index: 1)) { try UpdateSignatureVerifier.parseKeys("\(good),\(Data(repeating: 7, count: 31).base64EncodedString())") }
        #expect(throws: UpdateKeyError(index: 0)) { try UpdateSignatureVerifier.parseKeys("not-base64") }
        #expect(throws: UpdateKeyError(index: 1)) { try UpdateSignatureVerifier.parseKeys("\(good),") }
    }

    @Test func theStatusLineSaysWhatTheLastCheckFound() throws {
        let running = try #require(SemanticVersion("1.3.0"))
        let release = UpdateRelease(version: "1.4.0", released: Date(), severity: .security, notes: "https://a.example/")
        let checked = Date(timeIntervalSince1970: 1_764_583_200)
        #expect(UpdateStatus(state: UpdateCheckState(), running: running) == .notChecked)
        #expect(UpdateStatus(state: UpdateCheckState(lastCheckedAt: checked, lastAcceptedAt: checked), running: running).text == "up to date (1.3.0)")
        let available = UpdateStatus(state: UpdateCheckState(lastCheckedAt: checked, lastAcceptedAt: checked, available: release), running: running)
        #expect(available.kind == .available && available.text == "version 1.4.0 available (security)")
        // Once the server runs the announced version (or a later one) it is up to date.
        #expect(UpdateStatus(state: UpdateCheckState(lastAcceptedAt: checked, available: release), running: SemanticVersion("1.4.0")).kind == .upToDate)
        let failed = UpdateStatus(state: UpdateCheckState(lastCheckedAt: checked, lastAcceptedAt: checked, available: release,
                                                          failure: .init(reason: "signature missing", at: checked)), running: running)
        #expect(failed.kind == .failed && failed.text == "last check failed: signature missing, at 2025-12-01 10:00:00 UTC")
        #expect(failed.available == release)
    }
}
