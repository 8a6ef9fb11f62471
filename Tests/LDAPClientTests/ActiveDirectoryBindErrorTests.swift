import Testing

@testable import LDAPClient

/// Active Directory's `data NNN` bind sub-codes in words.
@Suite struct ActiveDirectoryBindErrorTests {
    @Test(arguments: [
        ("525", ActiveDirectoryBindError.userNotFound, "does not exist"),
        ("52e", .invalidCredentials, "password is wrong"),
        ("530", .notPermittedAtThisTime, "at this time"),
        ("531", .notPermittedFromThisWorkstation, "from this computer"),
        ("532", .passwordExpired, "password has expired"),
        ("533", .accountDisabled, "disabled"),
        ("701", .accountExpired, "account has expired"),
        ("773", .passwordMustChange, "must be changed"),
        ("775", .accountLockedOut, "locked out"),
    ])
    func subCodeIsRecognisedAndExplained(code: String, expected: ActiveDirectoryBindError, words: String) {
        let message = "80090308: LdapErr: DSID-0C09044E, comment: AcceptSecurityContext error, data \(code), v4563\u{0}"
        let parsed = ActiveDirectoryBindError(diagnosticMessage: message)
        #expect(parsed == expected)
        #expect(parsed?.description.contains(words) == true)
        #expect(parsed?.description.contains(code) == true)
    }

    @Test func upperCaseCodesAreRecognised() {
        #expect(ActiveDirectoryBindError(diagnosticMessage: "AcceptSecurityContext error, DATA 52E, v2580") == .invalidCredentials)
    }

    @Test func messagesWithoutAKnownCodeGiveNil() {
        #expect(ActiveDirectoryBindError(diagnosticMessage: "") == nil)
        #expect(ActiveDirectoryBindError(diagnosticMessage: "invalid credentials") == nil)
        #expect(ActiveDirectoryBindError(diagnosticMessage: "data 999, v4563") == nil)
        #expect(ActiveDirectoryBindError(diagnosticMessage: "data ") == nil)
    }

    @Test func errorDescriptionCarriesTheWords() {
        let result = LDAPResult(resultCode: .invalidCredentials, diagnosticMessage: "80090308: LdapErr: DSID-0C0903A9, data 775, v4563")
        let error = LDAPError(kind: .invalidCredentials, host: "dc1", port: 636, phase: .bind, message: "refused", result: result)
        #expect(error.activeDirectoryBindError == .accountLockedOut)
        #expect(error.description.contains("locked out"))
        #expect(error.description.contains("dc1:636"))
    }
}
