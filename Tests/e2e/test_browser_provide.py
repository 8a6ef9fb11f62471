"""The sender's side in a real browser (headless Chromium, Selenium): verification by the mailed code, the
upload page with a 200 MiB file, the connection cut mid-upload and a reload mid-upload — both resumed
without re-sending finished chunks — options, send, summary, the recipient's download, status and revoke;
the Cc/Bcc fields behind their buttons, remembered in the show_cc/show_bcc cookies.

Screenshots go to ci-output/screenshots/ (not committed)."""
import hashlib
import os
import re
import time

import pytest

from client import Client, mail_text
from conftest import Server
from test_browser_retrieve import chromium, shot, submit

SENDER = "provider@example.org"
BIG = int(os.environ.get("SEALDROP_E2E_BROWSER_BYTES", str(200 * 1024 * 1024)))
PASSWORD = "Tr4nsfer!Key#77"


@pytest.fixture
def browser():
    b = chromium()
    yield b
    b.quit()


@pytest.fixture
def web_server():
    s = Server().start()
    yield s
    s.stop()


@pytest.fixture
def big_file(tmp_path):
    path = tmp_path / "Jahresbericht 2026.bin"
    h = hashlib.sha256()
    block = os.urandom(1024 * 1024)
    with open(path, "wb") as f:
        written = 0
        while written < BIG:
            n = min(len(block), BIG - written)
            f.write(block[:n])
            h.update(block[:n])
            written += n
    return str(path), h.hexdigest()


def wait_until(predicate, timeout=120, what="condition"):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def chunk_offsets(server):
    """Offsets of the chunks the server accepted, in order, from its log."""
    return [int(m) for m in re.findall(r"offset=(\d+) received=", server.read_log())]


def verify_in_browser(browser, server, email, name="Paula Provider"):
    from selenium.webdriver.common.by import By
    before = len([m for m in server.mails() if m.endswith("-verification-code.eml")])
    browser.find_element(By.ID, "email").send_keys(email)
    browser.find_element(By.ID, "name").send_keys(name)
    submit(browser, "send-code")
    mail = server.wait_for_mail("verification-code", count=before + 1)[-1]
    code = re.search(r"\b([A-Z0-9]{10})\b", mail_text(mail)[1]).group(1)
    shot(browser, "10-code")
    browser.find_element(By.ID, "code").send_keys(code)
    # Wait for the answer: a caller that navigates at once would cut the verification off.
    submit(browser, "verify")


def upload_state(browser):
    from selenium.webdriver.common.by import By
    rows = browser.find_elements(By.CSS_SELECTOR, "#upload-list li")
    return [r.get_attribute("data-state") for r in rows]


def test_provide_with_cut_and_reload_then_retrieve_and_revoke(web_server, browser, big_file):
    from selenium.webdriver.common.by import By
    path, digest = big_file
    browser.get(web_server.base + "/upload?to=bob@example.net&cc=carol@example.com&notificationSubject=Quarterly%20files")
    # Not verified yet: the page sends us to verification and brings us back with the prefill intact.
    assert "/sender" in browser.current_url
    shot(browser, "09-verify")
    verify_in_browser(browser, web_server, SENDER)
    wait_until(lambda: "/upload" in browser.current_url, 30, "the upload page")
    assert browser.find_element(By.ID, "to").get_attribute("value") == "bob@example.net"
    assert browser.find_element(By.ID, "subject").get_attribute("value") == "Quarterly files"
    # The prefilled Cc is open; Bcc stays behind its button.
    assert browser.find_element(By.ID, "cc").is_displayed()
    assert browser.find_element(By.ID, "cc").get_attribute("value") == "carol@example.com"
    assert not browser.find_element(By.ID, "bcc").is_displayed()
    assert browser.find_element(By.ID, "toggle-bcc").text == "Add Bcc"
    cookies = {c["name"]: c for c in browser.get_cookies()}
    for name in ("user_email0", "verification_token0", "active_user", "client_id"):
        assert cookies[name]["httpOnly"] and cookies[name]["secure"] and cookies[name]["sameSite"] == "Strict", name
    browser.find_element(By.ID, "continue").click()
    wait_until(lambda: browser.find_element(By.ID, "step-files").is_displayed(), 30, "the files step")
    shot(browser, "11-files-step")

    # Slow the upload down so it can be cut and reloaded midway (about 25 MB/s).
    browser.execute_cdp_cmd("Network.enable", {})
    slow = {"offline": False, "latency": 5, "downloadThroughput": -1, "uploadThroughput": 25 * 1024 * 1024}
    browser.execute_cdp_cmd("Network.emulateNetworkConditions", slow)
    browser.find_element(By.ID, "file-input").send_keys(path)
    wait_until(lambda: len(chunk_offsets(web_server)) >= 3, 120, "three chunks")

    # 1. The connection drops for two seconds, then comes back.
    browser.execute_cdp_cmd("Network.emulateNetworkConditions", dict(slow, offline=True))
    time.sleep(2)
    shot(browser, "12-connection-lost")
    before_cut = len(chunk_offsets(web_server))
    browser.execute_cdp_cmd("Network.emulateNetworkConditions", slow)
    wait_until(lambda: len(chunk_offsets(web_server)) >= before_cut + 3, 120, "chunks after the cut")

    # 2. The page is reloaded; choosing the same file again continues where the server stands.
    browser.refresh()
    wait_until(lambda: upload_state(browser) == ["pending"], 30, "the restored upload row")
    shot(browser, "13-after-reload")
    resumed_from = len(chunk_offsets(web_server))
    browser.execute_cdp_cmd("Network.emulateNetworkConditions", {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1})
    browser.find_element(By.ID, "file-input").send_keys(path)
    wait_until(lambda: upload_state(browser) == ["done"], 300, "the upload to finish")
    shot(browser, "14-uploaded")

    offsets = chunk_offsets(web_server)
    assert offsets == sorted(offsets) and len(offsets) == len(set(offsets)), "a finished chunk was sent again"
    assert offsets[resumed_from] > 0, "the reload started the file over"
    assert offsets[0] == 0 and len(offsets) == (BIG + 8 * 1024 * 1024 - 1) // (8 * 1024 * 1024)

    # Options: my own password, checked live against the rules.
    browser.find_element(By.ID, "mode-MANUAL").click()
    browser.find_element(By.ID, "manual-password").send_keys("abc")
    wait_until(lambda: browser.find_elements(By.CSS_SELECTOR, "#password-rules li"), 10, "live rule check")
    assert "at least" in browser.find_element(By.ID, "password-rules").text
    browser.find_element(By.ID, "manual-password").clear()
    browser.find_element(By.ID, "manual-password").send_keys(PASSWORD)
    wait_until(lambda: "met" in browser.find_element(By.ID, "password-rules").text, 10, "rules met")
    browser.find_element(By.ID, "confidential").send_keys("The numbers are final. Grüße!")
    shot(browser, "15-options")
    browser.find_element(By.ID, "send").click()
    wait_until(lambda: "/upload/done" in browser.current_url, 60, "the summary")
    tracking = browser.find_element(By.ID, "tracking-id").text
    shot(browser, "16-sent")
    assert re.fullmatch(r"\d{8}-\d{6}-[A-Za-z0-9]{8}", tracking)

    # The recipient's mail has the neutral subject (a confidential message is attached) and the link.
    mails = web_server.wait_for_mail("recipient-notification", count=2)
    subject, body = mail_text(mails[-1])
    assert subject == "Confidential message"
    transfer_id = re.search(r"/download\?id=(\w+)", body).group(1)
    recipient = Client(web_server.base)
    recipient.obtain_client_id()
    listing = recipient.get(f"/api/transfers/{transfer_id}/files", headers={"X-CS-Password": PASSWORD}).json()["data"]
    big = next(f for f in listing if f["fileName"] == os.path.basename(path))
    assert big["checksum"] == digest and big["size"] == BIG

    # Status and revoke from the sender's status page.
    browser.get(web_server.base + f"/status?trackingId={tracking}")
    assert "bob@example.net" in browser.page_source and "carol@example.com" in browser.page_source
    browser.find_element(By.ID, "revoke-message").send_keys("Sent too early")
    browser.find_element(By.ID, "revoke").click()
    wait_until(lambda: browser.find_elements(By.ID, "notice"), 30, "the revoked notice")
    shot(browser, "17-revoked")
    assert browser.find_element(By.ID, "transfer-state").text == "Revoked"
    assert recipient.get(f"/api/transfers/{transfer_id}/files", headers={"X-CS-Password": PASSWORD}).status_code == 404


def test_upload_continues_after_a_server_restart(web_server, browser, tmp_path):
    """The server is killed mid-upload and started again: the page continues from the sealed part on disk."""
    from selenium.webdriver.common.by import By
    mib = 1024 * 1024
    path = tmp_path / "restart.bin"
    content = os.urandom(40 * mib + 12345)
    path.write_bytes(content)
    browser.get(web_server.base + "/sender")
    verify_in_browser(browser, web_server, "restart@example.org", name="Rita Restart")
    browser.get(web_server.base + "/upload?to=bob@example.net")
    browser.find_element(By.ID, "continue").click()
    wait_until(lambda: browser.find_element(By.ID, "step-files").is_displayed(), 30, "the files step")
    browser.execute_cdp_cmd("Network.enable", {})
    browser.execute_cdp_cmd("Network.emulateNetworkConditions",
                            {"offline": False, "latency": 5, "downloadThroughput": -1, "uploadThroughput": 8 * mib})
    browser.find_element(By.ID, "file-input").send_keys(str(path))
    wait_until(lambda: len(chunk_offsets(web_server)) >= 2, 120, "two chunks")
    web_server.stop(sig_kill=True)
    before = chunk_offsets(web_server)
    web_server.start()
    browser.execute_cdp_cmd("Network.emulateNetworkConditions", {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1})
    wait_until(lambda: upload_state(browser) == ["done"], 300, "the upload to finish after the restart")
    shot(browser, "14b-uploaded-after-restart")
    after = chunk_offsets(web_server)[len(before):]
    # It went on from the last whole 1 MiB segment on disk, not from 0: at most one segment before the end of
    # the last chunk the first process acknowledged (the unsealed tail was in memory only), or within the chunk
    # the kill cut off (its sealed segments are authentic bytes of the file at their offsets).
    acknowledged = before[-1] + 8 * mib
    assert after and after[0] % mib == 0 and acknowledged - mib <= after[0] < acknowledged + 8 * mib, (before, after)
    assert "upload.resumed" in web_server.read_log()
    password = wait_until(lambda: browser.find_element(By.ID, "generated-password").get_attribute("value"), 30, "a generated password")
    browser.find_element(By.ID, "send").click()
    wait_until(lambda: "/upload/done" in browser.current_url, 60, "the summary")
    # The recipient gets exactly the bytes that were chosen.
    _, body = mail_text(web_server.wait_for_mail("recipient-notification")[-1])
    transfer_id = re.search(r"/download\?id=(\w+)", body).group(1)
    recipient = Client(web_server.base)
    recipient.obtain_client_id()
    listing = recipient.get(f"/api/transfers/{transfer_id}/files", headers={"X-CS-Password": password}).json()["data"]
    assert [(f["fileName"], f["size"], f["checksum"]) for f in listing] == [("restart.bin", len(content), hashlib.sha256(content).hexdigest())]
    r = recipient.get(f"/api/transfers/{transfer_id}/files/{listing[0]['id']}", headers={"X-CS-Password": password})
    assert r.status_code == 200 and r.content == content


def test_cc_and_bcc_open_on_demand_and_are_remembered(web_server, browser):
    from selenium.webdriver.common.by import By
    browser.get(web_server.base + "/sender")
    verify_in_browser(browser, web_server, "cc-sender@example.org", name="Cc Sender")
    browser.get(web_server.base + "/upload?to=bob@example.net")
    shot(browser, "19-cc-bcc-closed")
    cc, bcc, add_cc, add_bcc = (browser.find_element(By.ID, i) for i in ("cc", "bcc", "toggle-cc", "toggle-bcc"))
    assert not cc.is_displayed() and not bcc.is_displayed()
    assert add_cc.text == "Add Cc" and add_cc.get_attribute("aria-expanded") == "false"
    assert "show_cc" not in {c["name"] for c in browser.get_cookies()}

    # Opening Cc focuses it and remembers the choice in a script-readable, Secure, SameSite=Strict cookie.
    add_cc.click()
    assert cc.is_displayed() and browser.switch_to.active_element == cc
    assert add_cc.text == "Remove Cc" and add_cc.get_attribute("aria-expanded") == "true"
    cookie = next(c for c in browser.get_cookies() if c["name"] == "show_cc")
    assert cookie["value"] == "true" and not cookie["httpOnly"] and cookie["secure"] and cookie["sameSite"] == "Strict"
    assert cookie["path"] == "/" and 364 * 86400 < cookie["expiry"] - time.time() <= 365 * 86400
    cc.send_keys("carol@example.com")
    shot(browser, "20-cc-open")

    # The server reads the cookie: after a reload Cc is rendered open, Bcc closed.
    browser.refresh()
    assert browser.find_element(By.ID, "cc").is_displayed() and not browser.find_element(By.ID, "bcc").is_displayed()
    assert browser.find_element(By.ID, "toggle-cc").get_attribute("aria-expanded") == "true"

    # Removing Cc clears it and is remembered too; Bcc opened and filled goes into the session.
    browser.find_element(By.ID, "cc").send_keys("carol@example.com")
    browser.find_element(By.ID, "toggle-cc").click()
    assert not browser.find_element(By.ID, "cc").is_displayed() and browser.find_element(By.ID, "cc").get_attribute("value") == ""
    assert next(c for c in browser.get_cookies() if c["name"] == "show_cc")["value"] == "false"
    browser.find_element(By.ID, "toggle-bcc").click()
    browser.find_element(By.ID, "bcc").send_keys("dave@example.com")
    browser.refresh()
    assert not browser.find_element(By.ID, "cc").is_displayed() and browser.find_element(By.ID, "bcc").is_displayed()
    browser.find_element(By.ID, "bcc").clear()
    browser.find_element(By.ID, "bcc").send_keys("dave@example.com")
    browser.find_element(By.ID, "continue").click()
    wait_until(lambda: browser.find_element(By.ID, "step-files").is_displayed(), 30, "the files step")
    assert not browser.find_element(By.ID, "rcpt-toggles").is_displayed()
    assert browser.find_element(By.ID, "bcc").get_attribute("readonly") == "true"
    shot(browser, "21-bcc-in-session")
    state = browser.execute_script("return JSON.parse(localStorage.getItem('sealdrop-upload:cc-sender@example.org'))")
    session = browser.execute_async_script(
        "var done = arguments[arguments.length - 1]; var x = new XMLHttpRequest();"
        "x.open('GET', '/upload/api/session?trackingId=' + arguments[0]);"
        "x.setRequestHeader('X-CSRF-Token', document.getElementById('upload-app').getAttribute('data-csrf'));"
        "x.onload = function () { done(JSON.parse(x.responseText)); }; x.send();", state["trackingId"])
    assert session["to"] == ["bob@example.net"] and session["cc"] == [] and session["bcc"] == ["dave@example.com"]

    # Without JavaScript both fields are simply shown and the buttons are not.
    browser.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": True})
    browser.get(web_server.base + "/upload?to=bob@example.net")
    shot(browser, "22-no-script")
    assert browser.find_element(By.ID, "cc").is_displayed() and browser.find_element(By.ID, "bcc").is_displayed()
    assert not browser.find_element(By.ID, "toggle-cc").is_displayed()


def test_generated_password_shown_once_with_copy_and_identity_switch(web_server, browser):
    from selenium.webdriver.common.by import By
    browser.get(web_server.base + "/sender")
    verify_in_browser(browser, web_server, "first@example.org", name="First")
    browser.get(web_server.base + "/sender")
    verify_in_browser(browser, web_server, "second@example.org", name="Second")
    browser.get(web_server.base + "/sender")
    shot(browser, "18-identities")
    assert len(browser.find_elements(By.CSS_SELECTOR, ".identity")) == 2
    submit(browser, "use-0")
    browser.get(web_server.base + "/upload?to=bob@example.net")
    assert browser.find_element(By.ID, "sender-email").text == "first@example.org"
    browser.find_element(By.ID, "continue").click()
    wait_until(lambda: browser.find_element(By.ID, "step-options").is_displayed(), 30, "the options")
    generated = wait_until(lambda: browser.find_element(By.ID, "generated-password").get_attribute("value"), 10, "a generated password")
    assert len(generated) >= 8
    browser.find_element(By.ID, "copy-password").click()
    wait_until(lambda: browser.find_element(By.ID, "copy-password").text == "Copied", 10, "the copy confirmation")
    small = os.path.join(browser.downloads, "small.txt")
    with open(small, "w") as f:
        f.write("small file")
    browser.find_element(By.ID, "file-input").send_keys(small)
    wait_until(lambda: upload_state(browser) == ["done"], 60, "the small upload")
    browser.find_element(By.ID, "send").click()
    wait_until(lambda: "/upload/done" in browser.current_url, 60, "the summary")
    # The generated password opens the transfer.
    _, body = mail_text(web_server.wait_for_mail("recipient-notification")[-1])
    transfer_id = re.search(r"/download\?id=(\w+)", body).group(1)
    assert generated not in body
    recipient = Client(web_server.base)
    recipient.obtain_client_id()
    assert recipient.get(f"/api/transfers/{transfer_id}/files", headers={"X-CS-Password": generated}).status_code == 200
