"""Policy rules against a live `sealdrop serve`: rules set through the admin API decide what REST clients may do
(refused recipients as POLICY_MISMATCH, 403/3011 at session creation, 403/3010 for a sender allowed nowhere, the
rule's size limit at file registration), the CSV written by Python's csv module imports and one bad line imports
nothing, and the upload page in Chromium names the refused recipients and shows the rule's limits."""
import csv
import io

import pytest
from selenium.webdriver.common.by import By

from client import Client, verify_sender
from test_admin_mail import AdminSession
from test_browser_admin import ADMIN_PASSWORD, start_server
from test_browser_provide import verify_in_browser, wait_until
from test_browser_retrieve import chromium, shot
from test_browser_start import severe

RULES = {
    "rules": [
        {"name": "Internal to anyone", "sender": {"patterns": ["example.org"]},
         "settings": {"maxTotalSize": 2 * 1024 * 1024, "maxRetentionPeriod": 4}},
        {"name": "Anyone to internal", "recipient": {"patterns": ["example.org"]}},
        {"name": "Never to rivals", "action": "decline", "recipient": {"patterns": ["/.*@rival\\.example/"]}},
    ],
    "internalDomains": ["example.org"],
}


@pytest.fixture
def policy_server():
    server = start_server()
    admin = AdminSession(server)
    admin.login("admin", ADMIN_PASSWORD)
    r = admin.http.put(admin.base + "/admin/api/policy", json=RULES, headers={"X-CSRF-Token": admin.csrf}, timeout=30)
    assert r.status_code == 200, r.text
    server.admin_session = admin
    yield server
    server.stop()


def test_rules_decide_what_rest_clients_may_do(policy_server):
    alice = Client(policy_server.base)
    alice.obtain_client_id()
    verify_sender(alice, policy_server, "alice@example.org")
    r = alice.post("/api/users/alice@example.org/transfer-policy", json={"recipients": ["bob@partner.net", "eve@rival.example"]})
    assert r.status_code == 200, r.text
    assert r.json()["data"]["failedRecipients"] == [{"emailAddress": "eve@rival.example", "reason": "POLICY_MISMATCH"}]
    r = alice.post("/api/users/alice@example.org/transfer-policy", json={"recipients": ["bob@partner.net"]})
    assert r.json()["data"]["settings"]["maxTotalSize"] == 2 * 1024 * 1024
    assert r.json()["data"]["settings"]["maxRetentionPeriod"] == 4
    r = alice.post("/api/users/alice@example.org/transfer-sessions",
                   json={"recipients": {"to": [{"mail": "bob@partner.net"}], "cc": [], "bcc": []}})
    assert r.status_code == 201, r.text
    tracking = r.headers["Location"].rsplit("/", 1)[1]
    r = alice.post(f"/api/users/alice@example.org/transfer-sessions/{tracking}/files", json={"fileName": "big.bin", "size": 2 * 1024 * 1024 + 1})
    assert r.status_code == 409 and r.json()["errorCode"] == 2001

    sam = Client(policy_server.base)
    sam.obtain_client_id()
    verify_sender(sam, policy_server, "sam@partner.net")
    r = sam.post("/api/users/sam@partner.net/transfer-sessions",
                 json={"recipients": {"to": [{"mail": "x@elsewhere.net"}], "cc": [], "bcc": []}})
    assert r.status_code == 403 and r.json()["errorCode"] == 3011
    r = sam.post("/api/users/sam@partner.net/transfer-sessions",
                 json={"recipients": {"to": [{"mail": "alice@example.org"}], "cc": [], "bcc": []}})
    assert r.status_code == 201, r.text

    # Only a declining rule left: nobody may send.
    admin = policy_server.admin_session
    r = admin.http.put(admin.base + "/admin/api/policy", json={"rules": [RULES["rules"][2]]}, headers={"X-CSRF-Token": admin.csrf}, timeout=30)
    assert r.status_code == 200, r.text
    r = alice.post("/api/users/alice@example.org/transfer-policy", json={"recipients": ["bob@partner.net"]})
    assert r.status_code == 403 and r.json()["errorCode"] == 3010


def test_csv_from_a_spreadsheet_imports_and_one_bad_line_imports_nothing(policy_server):
    admin = policy_server.admin_session
    headers = {"X-CSRF-Token": admin.csrf}
    exported = admin.http.get(admin.base + "/admin/api/policy/export", timeout=30)
    assert exported.status_code == 200 and exported.headers["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.DictReader(io.StringIO(exported.text), delimiter=";"))
    assert [row["Rule name"] for row in rows] == ["Internal to anyone", "Anyone to internal", "Never to rivals"]
    assert rows[0]["Transfer size"] == "2" and rows[2]["Rule type"] == "decline" and rows[2]["Recipient pattern"] == "/.*@rival\\.example/"

    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(["Rule name", "Rule type", "Sender pattern", "Recipient pattern", "Storage duration", "Show filenames"])
    writer.writerow(["Legal", "allow", "legal.example.org\n/^[a-z]+@law\\.example$/", "", "30", "false"])
    body = out.getvalue().encode("utf-8-sig")
    r = admin.http.post(admin.base + "/admin/api/policy/import", data=body, headers=headers, timeout=30)
    assert r.status_code == 200, r.text
    legal = next(rule for rule in r.json()["rules"] if rule["name"] == "Legal")
    assert legal["sender"]["patterns"] == ["legal.example.org", "/^[a-z]+@law\\.example$/"]
    assert legal["settings"]["maxRetentionPeriod"] == 30 and legal["settings"]["showFileNamesDefault"] is False

    bad = "Rule name;Storage duration;Sender pattern\r\nfine;3;a.example\r\nbroken;forever;b.example\r\nworse;2;/(a+)+$/\r\n"
    r = admin.http.post(admin.base + "/admin/api/policy/import", data=bad.encode(), headers=headers, timeout=30)
    assert r.status_code == 400
    assert [p["field"] for p in r.json()["problems"]] == ["line 3", "line 4"]
    names = [rule["name"] for rule in admin.http.get(admin.base + "/admin/api/policy", timeout=30).json()["rules"]]
    assert "fine" not in names


def test_upload_page_names_refused_recipients_and_shows_the_rules_limits(policy_server):
    browser = chromium()
    try:
        browser.get(policy_server.base + "/upload")
        verify_in_browser(browser, policy_server, "alice@example.org")
        wait_until(lambda: "/upload" in browser.current_url, 30, "the upload page")
        browser.find_element(By.ID, "to").send_keys("bob@partner.net, eve@rival.example")
        browser.find_element(By.ID, "continue").click()
        error = wait_until(lambda: browser.find_element(By.ID, "app-error").text, 20, "the refusal")
        shot(browser, "80-policy-refused")
        assert error == "The policy of this server does not allow sending to: eve@rival.example"
        severe(browser)  # the 400 of that answer is logged by Chrome; nothing else may be
        to = browser.find_element(By.ID, "to")
        to.clear()
        to.send_keys("bob@partner.net")
        browser.find_element(By.ID, "continue").click()
        limits = wait_until(lambda: browser.find_element(By.ID, "effective-limits").text, 20, "the limits")
        assert limits.startswith("Up to 2.1 MB in total, available until ")
        date = browser.find_element(By.ID, "expiration")
        assert date.get_attribute("max") == limits.rsplit(" ", 4)[-4]
        shot(browser, "81-policy-limits")
        assert severe(browser) == []
    finally:
        browser.quit()
