import Testing

import SealdropCore

@Suite struct ChecksumsCSVTests {
    let sha = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"

    @Test func englishHeader() {
        #expect(ChecksumsCSV.render(rows: [("a.txt", sha)], language: "en")
            == "File name;Checksum (SHA-256)\r\na.txt;\(sha)\r\n")
    }

    @Test func germanHeaderForAnyGermanTag() {
        for tag in ["de", "de-DE", "DE-at"] {
            #expect(ChecksumsCSV.render(rows: [], language: tag) == "Dateiname;Prüfsumme (SHA-256)\r\n")
        }
        #expect(ChecksumsCSV.render(rows: [], language: "fr").hasPrefix("File name;"))
    }

    @Test func quotesSeparatorsQuotesAndLineBreaks() {
        let csv = ChecksumsCSV.render(rows: [("a;b.txt", "x"), ("say \"hi\".txt", "y"), ("two\nlines", "z")])
        #expect(csv == "File name;Checksum (SHA-256)\r\n\"a;b.txt\";x\r\n\"say \"\"hi\"\".txt\";y\r\n\"two\nlines\";z\r\n")
    }

    @Test func guardsAgainstFormulaInjection() {
        let csv = ChecksumsCSV.render(rows: [
            ("=HYPERLINK(\"http://evil\")", "a"), ("+1", "b"), ("-1", "c"), ("@SUM(A1)", "d"), ("plain=1", "e"),
        ])
        let lines = csv.split(separator: "\r\n").dropFirst().map(String.init)
        #expect(lines == [
            "\"'=HYPERLINK(\"\"http://evil\"\")\";a", "'+1;b", "'-1;c", "'@SUM(A1);d", "plain=1;e",
        ])
    }
}
