import Testing

import SealdropCore

@Suite struct FileNameTests {
    @Test func registrationLimits() {
        #expect(FileName.validateForRegistration("report.pdf"))
        #expect(FileName.validateForRegistration(String(repeating: "x", count: 1_000)))
        #expect(FileName.validateForRegistration(String(repeating: "ü", count: 1_024)))
        #expect(!FileName.validateForRegistration(String(repeating: "x", count: 1_025)))
        #expect(!FileName.validateForRegistration(""))
        #expect(!FileName.validateForRegistration("a\u{0}b"))
    }

    @Test(arguments: [
        ("report.pdf", "report.pdf"), ("../a/b", ".._a_b"), ("C:\\temp\\x.txt", "C:_temp_x.txt"),
        ("..", "file"), (".", "file"), ("", "file"), ("   ", "file"), ("  spaced.txt  ", "spaced.txt"),
        ("bad\r\nname\u{0}.txt", "badname.txt"), ("invoice\u{202E}fdp.exe", "invoicefdp.exe"),
        (".profile", ".profile"), ("Grüße 📎.docx", "Grüße 📎.docx"),
    ])
    func sanitizesForDisplay(input: String, expected: String) {
        #expect(FileName.sanitizedForDisplay(input) == expected)
    }

    @Test(arguments: [
        ("report.pdf", "report.pdf"), ("C:\\temp\\x.txt", "C__temp_x.txt"), ("a:stream.txt", "a_stream.txt"),
        ("what?<now>|\"*.txt", "what__now____.txt"), ("CON", "_CON"), ("con.txt", "_con.txt"), ("Nul.tar.gz", "_Nul.tar.gz"),
        ("AUX .txt", "_AUX .txt"), ("prn", "_prn"), ("COM1.log", "_COM1.log"), ("lpt9", "_lpt9"), ("COM\u{00B9}.txt", "_COM\u{00B9}.txt"),
        ("CONSOLE.txt", "CONSOLE.txt"), ("COM10.txt", "COM10.txt"), ("my CON.txt", "my CON.txt"), ("LPT0", "LPT0"),
        ("name.txt.", "name.txt"), ("name. . ", "name"), ("...", "file"), (":", "_"),
        ("invoice\u{202E}fdp.exe", "invoicefdp.exe"), ("../CON", ".._CON"),
    ])
    func zipEntryNamesAreSafeOnWindows(input: String, expected: String) {
        #expect(FileName.zipEntryName(input) == expected)
    }

    @Test(arguments: [
        ("invoice\u{202E}fdp.exe", "invoicefdp.exe"), ("a\u{2066}b\u{2069}\u{200F}\u{061C}.txt", "ab.txt"), ("line\u{2028}break", "linebreak"),
        ("plain.txt", "plain.txt"), ("../x", "../x"), (" spaced ", " spaced "),
    ])
    func registrationDropsControlAndDirectionCharacters(input: String, expected: String) {
        #expect(FileName.cleanedForRegistration(input) == expected)
    }

    @Test func aNameOfOnlyInvisibleCharactersIsNotRegistered() {
        #expect(FileName.cleanedForRegistration("\u{202E}\u{202C}") == nil)
        #expect(FileName.cleanedForRegistration(" \u{200E} ") == nil)
    }

    @Test func truncatesOnCharacterBoundaryKeepingExtension() {
        let long = String(repeating: "ä", count: 200) + ".pdf"
        let cut = FileName.sanitizedForDisplay(long)
        #expect(cut.utf8.count <= 255)
        #expect(cut.utf8.count >= 254)
        #expect(cut.hasSuffix(".pdf"))
        #expect(cut.dropLast(4).allSatisfy { $0 == "ä" })

        let emoji = String(repeating: "👨‍👩‍👧", count: 30)
        let cutEmoji = FileName.sanitizedForDisplay(emoji)
        #expect(cutEmoji.utf8.count <= 255)
        #expect(cutEmoji.allSatisfy { $0 == "👨‍👩‍👧" })
    }
}

@Suite struct DisplayTextTests {
    @Test(arguments: [
        ("Alice", "Alice"), ("Alice\r\nBcc: mallory@example.com", "Alice Bcc: mallory@example.com"), ("  two\n\nlines  ", "two lines"),
        ("tab\there", "tab here"), ("a\u{2028}b\u{2029}c\u{85}d", "a b c d"), ("null\u{0}byte", "nullbyte"),
        ("invoice\u{202E}fdp.exe", "invoicefdp.exe"), ("\u{202B}\u{200F}Ümlaut \u{2067}x\u{2069}", "Ümlaut x"), ("\r\n", ""),
        ("emoji 👨‍👩‍👧", "emoji 👨‍👩‍👧"),
    ])
    func singleLineDropsBreaksAndDirectionTricks(input: String, expected: String) {
        #expect(DisplayText.singleLine(input) == expected)
    }
}
