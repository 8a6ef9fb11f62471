import Testing

import SealdropFormats

@Suite struct ContentDispositionTests {
    @Test func asciiNameHasBothForms() {
        #expect(ContentDisposition.attachment(filename: "report 2024.pdf")
            == "attachment; filename=\"report 2024.pdf\"; filename*=UTF-8''report%202024.pdf")
    }

    @Test func unicodeNameFallsBackAndPercentEncodes() {
        #expect(ContentDisposition.attachment(filename: "Prüfbericht €.pdf")
            == "attachment; filename=\"Pr_fbericht _.pdf\"; filename*=UTF-8''Pr%C3%BCfbericht%20%E2%82%AC.pdf")
    }

    @Test func escapesQuotesAndDropsControls() {
        let value = ContentDisposition.attachment(filename: "a\"b\\c;d\r\nSet-Cookie: x\u{0}%.txt")
        #expect(value == "attachment; filename=\"a\\\"b\\\\c;dSet-Cookie: x%.txt\"; "
            + "filename*=UTF-8''a%22b%5Cc%3BdSet-Cookie%3A%20x%25.txt")
        #expect(!value.unicodeScalars.contains { $0 == "\r" || $0 == "\n" || $0 == "\u{0}" })
    }

    @Test func emptyNameGetsFallback() {
        #expect(ContentDisposition.attachment(filename: "\r\n")
            == "attachment; filename=\"file\"; filename*=UTF-8''file")
    }
}
