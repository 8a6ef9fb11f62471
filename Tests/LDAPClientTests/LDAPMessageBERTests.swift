import SwiftASN1
import Testing

@testable import LDAPClient

/// BER encoding and decoding of every PDU the client sends or understands.
@Suite struct LDAPMessageBERTests {
    private func roundTrip(_ message: LDAPMessage) throws -> LDAPMessage {
        try LDAPMessage(berEncoded: try message.serializedBytes()[...])
    }

    @Test func simpleBindMatchesTheRFCBytes() throws {
        let message = LDAPMessage(messageID: 1, operation: .bindRequest(LDAPBindRequest(name: "cn=a", password: "pw")))
        // 30 LEN 02 01 01  60 LEN 02 01 03  04 04 "cn=a"  80 02 "pw"
        let expected: [UInt8] = [0x30, 0x12, 0x02, 0x01, 0x01, 0x60, 0x0D, 0x02, 0x01, 0x03, 0x04, 0x04]
            + Array("cn=a".utf8) + [0x80, 0x02] + Array("pw".utf8)
        #expect(try message.serializedBytes() == expected)
        #expect(try self.roundTrip(message) == message)
    }

    @Test func bindNamesInEveryFormRoundTrip() throws {
        for name in ["uid=alice,ou=people,dc=example,dc=org", "EXAMPLE\\alice", "alice@example.org"] {
            let message = LDAPMessage(messageID: 7, operation: .bindRequest(LDAPBindRequest(name: name, password: "s3cret")))
            #expect(try self.roundTrip(message) == message)
        }
    }

    @Test func bindRequestDescriptionHidesThePassword() {
        let bind = LDAPBindRequest(name: "cn=a", password: "hunter2")
        #expect(!"\(bind)".contains("hunter2"))
        #expect(!String(reflecting: bind).contains("hunter2"))
    }

    @Test func everyOperationRoundTrips() throws {
        let result = LDAPResult(resultCode: .referral, matchedDN: "dc=example,dc=org", diagnosticMessage: "go elsewhere", referral: ["ldap://other/dc=x"])
        let search = LDAPSearchRequest(
            baseObject: "dc=example,dc=org", scope: .singleLevel, derefAliases: .always, sizeLimit: 10, timeLimit: 5,
            typesOnly: true, filter: .and([.equal("uid", "a*b"), .not(.present(attribute: "mail"))]), attributes: ["mail", "cn"]
        )
        let operations: [LDAPOperation] = [
            .bindRequest(LDAPBindRequest(name: "cn=x", password: "y")),
            .bindResponse(LDAPResult(resultCode: .invalidCredentials, diagnosticMessage: "80090308: LdapErr: DSID-0C0903A9, data 52e, v4563")),
            .unbindRequest,
            .searchRequest(search),
            .searchResultEntry(LDAPEntry(dn: "uid=a,dc=x", attributes: [
                LDAPAttribute(type: "mail", strings: ["a@x", "b@x"]), LDAPAttribute(type: "objectGUID", values: [[0, 1, 0xFF, 0x80]]),
            ])),
            .searchResultDone(result),
            .searchResultReference(["ldap://dc1.example.org/CN=Configuration,DC=example,DC=org"]),
            .abandonRequest(42),
            .extendedRequest(name: LDAPMessage.startTLSOID, value: nil),
            .extendedRequest(name: "1.2.3", value: [1, 2, 3]),
            .extendedResponse(LDAPResult(resultCode: .success), name: LDAPMessage.startTLSOID, value: nil),
            .extendedResponse(LDAPResult(resultCode: .unavailable), name: nil, value: [9]),
            .intermediateResponse(name: "1.3.6.1.4.1.4203.1.9.1.4", value: [1]),
        ]
        for (index, operation) in operations.enumerated() {
            let message = LDAPMessage(messageID: Int32(index + 1), operation: operation)
            #expect(try self.roundTrip(message) == message, "\(operation.name)")
        }
    }

    @Test func controlsRoundTripIncludingPagedResults() throws {
        let paged = LDAPPagedResultsControl(size: 1000, cookie: [0xDE, 0xAD])
        let message = LDAPMessage(
            messageID: 3, operation: .searchResultDone(LDAPResult(resultCode: .success)),
            controls: [paged.control, LDAPControl(type: "1.2.3.4", criticality: true, value: nil)]
        )
        let decoded = try self.roundTrip(message)
        #expect(decoded == message)
        #expect(try LDAPPagedResultsControl(from: decoded.controls) == paged)
        #expect(try LDAPPagedResultsControl(from: []) == nil)
    }

    @Test func pagedResultsControlMatchesRFC2696Bytes() {
        let control = LDAPPagedResultsControl(size: 500).control
        #expect(control.type == "1.2.840.113556.1.4.319")
        #expect(control.criticality == false)
        // SEQUENCE { INTEGER 500, OCTET STRING "" }
        #expect(control.value == [0x30, 0x06, 0x02, 0x02, 0x01, 0xF4, 0x04, 0x00])
    }

    @Test func startTLSRequestMatchesTheRFCBytes() throws {
        let message = LDAPMessage(messageID: 1, operation: .extendedRequest(name: LDAPMessage.startTLSOID, value: nil))
        let oid = Array("1.3.6.1.4.1.1466.20037".utf8)
        #expect(try message.serializedBytes() == [0x30, 0x1D, 0x02, 0x01, 0x01, 0x77, 0x18, 0x80, 0x16] + oid)
    }

    @Test func decodesLongFormLengthsAndConstructedStringsAsServersSendThem() throws {
        // A searchResultDone with 4-byte lengths everywhere (as Active Directory writes them) and a
        // diagnosticMessage split into a constructed OCTET STRING.
        let bytes: [UInt8] = [
            0x30, 0x84, 0x00, 0x00, 0x00, 0x17,
            0x02, 0x01, 0x05,
            0x65, 0x84, 0x00, 0x00, 0x00, 0x0E,
            0x0A, 0x01, 0x00,
            0x04, 0x00,
            0x24, 0x07, 0x04, 0x02, 0x68, 0x69, 0x04, 0x01, 0x21,
        ]
        let message = try LDAPMessage(berEncoded: bytes[...])
        #expect(message.messageID == 5)
        #expect(message.operation == .searchResultDone(LDAPResult(resultCode: .success, diagnosticMessage: "hi!")))
    }

    @Test func rejectsMalformedMessages() {
        let cases: [[UInt8]] = [
            [0x30, 0x03, 0x02, 0x01, 0x01],  // no protocolOp
            [0x30, 0x05, 0x02, 0x01, 0x01, 0x82, 0x00],  // a context-specific tag where the protocolOp belongs
            [0x30, 0x06, 0x02, 0x01, 0x01, 0x7F, 0x1F, 0x00],  // [APPLICATION 31] unsupported
            [0x30, 0x06, 0x02, 0x01, 0xFF, 0x65, 0x01, 0x00],  // negative message ID, truncated op
            [0x30, 0x02, 0x04, 0x00],  // messageID is not an INTEGER
        ]
        for bytes in cases {
            #expect(throws: LDAPDecodingError.self) { try LDAPMessage(berEncoded: bytes[...]) }
        }
    }

    @Test func readsWhatSlapdSends() throws {
        // A SearchResultEntry captured from slapd 2.5 (uid=alice with one mail value).
        var coder = DER.Serializer()
        coder.appendConstructedNode(identifier: .sequence) { coder in
            try? coder.appendInteger(2)
            coder.appendConstructedNode(identifier: ASN1Identifier(tagWithNumber: 4, tagClass: .application)) { coder in
                coder.appendString("uid=alice,ou=people,dc=example,dc=org")
                coder.appendConstructedNode(identifier: .sequence) { coder in
                    coder.appendConstructedNode(identifier: .sequence) { coder in
                        coder.appendString("mail")
                        coder.appendConstructedNode(identifier: .set) { coder in coder.appendString("alice@example.org") }
                    }
                }
            }
        }
        let message = try LDAPMessage(berEncoded: coder.serializedBytes[...])
        guard case .searchResultEntry(let entry) = message.operation else {
            Issue.record("expected an entry")
            return
        }
        #expect(entry.dn == "uid=alice,ou=people,dc=example,dc=org")
        #expect(entry["MAIL"] == ["alice@example.org"])
        #expect(entry["cn"].isEmpty)
    }
}
