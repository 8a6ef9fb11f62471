import Foundation
import Testing

import SealdropCore

@Suite struct APIDateTests {
    let instant = Date(timeIntervalSince1970: 1_602_237_106)  // 2020-10-09T09:51:46Z

    @Test func formatsWithNumericOffset() throws {
        let berlin = try #require(TimeZone(identifier: "Europe/Berlin"))
        #expect(APIDate.format(instant, timeZone: berlin) == "2020-10-09T11:51:46+02:00")
        #expect(APIDate.format(instant, timeZone: TimeZone(secondsFromGMT: 0)!) == "2020-10-09T09:51:46+00:00")
        let newYork = try #require(TimeZone(identifier: "America/New_York"))
        #expect(APIDate.format(instant, timeZone: newYork) == "2020-10-09T05:51:46-04:00")
        let kolkata = try #require(TimeZone(identifier: "Asia/Kolkata"))
        #expect(APIDate.format(instant, timeZone: kolkata) == "2020-10-09T15:21:46+05:30")
        #expect(APIDate.format(Date(timeIntervalSince1970: -0.5), timeZone: TimeZone(secondsFromGMT: 0)!)
            == "1969-12-31T23:59:59+00:00")
    }

    @Test func dropsFractionalSeconds() {
        let utc = TimeZone(secondsFromGMT: 0)!
        #expect(APIDate.format(instant.addingTimeInterval(0.999), timeZone: utc) == "2020-10-09T09:51:46+00:00")
    }

    @Test(arguments: [
        "2020-10-09T11:51:46+02:00", "2020-10-09T09:51:46Z", "2020-10-09T09:51:46+00:00",
        "2020-10-09T05:51:46-04:00", "2020-10-09T11:51:46+0200", "2020-10-09t09:51:46z",
    ])
    func parsesAcceptedForms(text: String) {
        #expect(APIDate.parse(text) == instant)
    }

    @Test func parsesFractionalSeconds() throws {
        let parsed = try #require(APIDate.parse("2020-10-09T09:51:46.250Z"))
        #expect(abs(parsed.timeIntervalSince(instant) - 0.25) < 1e-6)
        #expect(APIDate.parse("2020-10-09T11:51:46.123456+02:00") != nil)
    }

    @Test(arguments: [
        "", "2020-10-09", "2020-10-09 09:51:46Z", "2020-10-09T09:51:46", "2020-13-09T09:51:46Z",
        "2021-02-29T09:51:46Z", "2020-10-09T24:00:00Z", "2020-10-09T09:51:46.Z", "2020-10-09T09:51:46+2:00",
        "2020-10-09T09:51:46Zjunk", "20201009T095146Z",
    ])
    func rejectsOtherForms(text: String) {
        #expect(APIDate.parse(text) == nil)
    }

    @Test func roundTripsAcrossZones() throws {
        for zone in ["UTC", "Europe/Berlin", "Pacific/Chatham", "America/St_Johns"] {
            let tz = try #require(TimeZone(identifier: zone))
            for seconds in stride(from: -2_000_000_000, through: 4_000_000_000, by: 86_399_917) {
                let date = Date(timeIntervalSince1970: TimeInterval(seconds))
                #expect(APIDate.parse(APIDate.format(date, timeZone: tz)) == date)
            }
        }
    }
}
