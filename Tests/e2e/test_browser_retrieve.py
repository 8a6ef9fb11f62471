"""The recipient's pages in a real browser (headless Chromium from Debian, driven by Selenium): the link from
the mail, password, files, single and ZIP download, the confidential message, errors (revoked and expired
transfers on their own pages), languages, 320 px, keyboard.

Screenshots of every step go to ci-output/screenshots/ (not committed)."""
import hashlib
import os
import re
import shutil
import tempfile
import time
import zipfile

import pytest

from client import Client, mail_text, verify_sender
from conftest import ROOT, Server

SENDER = "browser-sender@example.org"
RECIPIENT = "bob@example.net"
PASSWORD = "Tr4nsfer!Key#77"
SHOTS = os.path.join(ROOT, "ci-output", "screenshots")


def chromium():
    """A headless Chromium with its own download folder; a missing browser fails in CI and skips elsewhere."""
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        if os.environ.get("CI") == "true":
            pytest.fail("selenium is not installed (pip install -r scripts/requirements-test.txt)")
        pytest.skip("selenium is not installed")
    binary, driver = shutil.which("chromium"), shutil.which("chromedriver")
    if not binary or not driver:
        if os.environ.get("CI") == "true":
            pytest.fail("chromium/chromedriver missing (apt-get install chromium chromium-driver)")
        pytest.skip("chromium/chromedriver missing")
    downloads = tempfile.mkdtemp(prefix="sealdrop-browser-dl-")
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,900", "--lang=en-US"):
        options.add_argument(arg)
    options.add_experimental_option("prefs", {"download.default_directory": downloads, "download.prompt_for_download": False,
                                              "intl.accept_languages": "en-US,en"})
    browser = webdriver.Chrome(service=Service(driver), options=options)
    browser.downloads = downloads
    return browser


def shot(browser, name):
    os.makedirs(SHOTS, exist_ok=True)
    browser.save_screenshot(os.path.join(SHOTS, name + ".png"))


def submit(browser, button="unlock"):
    """Presses a button that submits a form and waits until the answer replaced the page (the password
    check takes a moment, and the old page must not be read as the answer)."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait
    from selenium.common.exceptions import WebDriverException
    old = browser.find_element(By.TAG_NAME, "html")
    browser.find_element(By.ID, button).click()

    def replaced(driver):
        # Chrome may answer a check on the old page while it is being swapped with "Node with given id does not
        # belong to the document" instead of a stale-element error: that, too, means the old page is gone.
        try:
            return expected_conditions.staleness_of(old)(driver)
        except WebDriverException as error:
            if "does not belong to the document" in str(error):
                return True
            raise

    WebDriverWait(browser, 60).until(replaced)


def wait_download(folder, name, timeout=30):
    path = os.path.join(folder, name)
    deadline = time.time() + timeout
    while time.time() < deadline:
        if os.path.exists(path) and not any(n.endswith(".crdownload") for n in os.listdir(folder)):
            return path
        time.sleep(0.1)
    raise AssertionError(f"{name} was not downloaded; folder has {os.listdir(folder)}")


def provide(server, files, mode="MANUAL", message=None, subject="Quarterly files"):
    """A finalized transfer through the REST API; returns the recipient's link from the captured mail."""
    client = Client(server.base)
    client.obtain_client_id()
    verify_sender(client, server, SENDER)
    r = client.post(f"/api/users/{SENDER}/transfer-sessions",
                    json={"sender": {"name": "Alice Ä", "phone": "+49 1", "email": SENDER},
                          "recipients": {"to": [{"mail": RECIPIENT}], "cc": [], "bcc": []}})
    assert r.status_code == 201, r.text
    tracking = r.headers["Location"].rsplit("/", 1)[1]
    ids = {}
    for name, content in list(files.items()) + ([("message.eml", message)] if message else []):
        r = client.post(f"/api/users/{SENDER}/transfer-sessions/{tracking}/files", json={"fileName": name, "size": len(content)})
        assert r.status_code == 201, r.text
        ids[name] = r.headers["Location"].rsplit("/", 1)[1]
        assert client.request("PUT", f"/api/users/{SENDER}/transfer-sessions/{tracking}/files/{ids[name]}/content", data=content).status_code == 200
    config = {"passwordMode": mode}
    if mode == "MANUAL":
        config["password"] = PASSWORD
    patch = {"securityMode": {"name": "ONE_TIME_PASSWORD", "config": config}, "notificationMessage": {"subject": subject, "body": "Here they are."}}
    if message:
        patch["confidentialMessageFileId"] = ids["message.eml"]
    r = client.request("PATCH", f"/api/users/{SENDER}/transfer-sessions/{tracking}", json=patch)
    assert r.status_code == 200, r.text
    before = len([m for m in server.mails() if m.endswith("-recipient-notification.eml")])
    assert client.post(f"/api/users/{SENDER}/transfer-sessions/{tracking}").status_code == 201
    mail = server.wait_for_mail("recipient-notification", count=before + 1)[-1]
    _, body = mail_text(mail)
    link = re.search(r"(http://\S+/download\?id=\S+)", body).group(1)
    return client, tracking, link


@pytest.fixture
def browser():
    b = chromium()
    yield b
    b.quit()
    shutil.rmtree(b.downloads, ignore_errors=True)


@pytest.fixture
def web_server():
    s = Server(settings={"downloadProtection": {"maxAttempts": 3, "action": "lock", "lockMinutes": 5}}).start()
    yield s
    s.stop()


def test_retrieve_flow_single_file_zip_and_confidential_message(web_server, browser):
    from selenium.webdriver.common.by import By
    files = {"Übersicht 2026.pdf": b"%PDF-1.7 " + os.urandom(300_000), "notes.txt": b"plain notes\n"}
    message = ("Subject: Merger\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
               "Strictly confidential: <b>not bold</b>, Grüße.\r\n").encode()
    _, tracking, link = provide(web_server, files, message=message)
    assert "password=" not in link

    browser.get(link)
    shot(browser, "01-retrieve-form")
    assert browser.find_element(By.ID, "transfer-id").get_attribute("value") == link.split("id=")[1]
    assert browser.find_element(By.ID, "password").get_attribute("value") == ""
    browser.find_element(By.ID, "password").send_keys(PASSWORD)
    submit(browser)
    shot(browser, "02-files")
    assert browser.find_element(By.TAG_NAME, "h1").text == "Your files"
    names = [a.text for a in browser.find_elements(By.CSS_SELECTOR, "#file-list a")]
    assert sorted(names) == sorted(files)
    shown = browser.find_element(By.ID, "confidential-message").text
    assert "Strictly confidential: <b>not bold</b>, Grüße." in shown
    assert browser.find_elements(By.CSS_SELECTOR, "#confidential-message b") == []
    assert tracking in browser.page_source

    browser.find_element(By.LINK_TEXT, "Übersicht 2026.pdf").click()
    path = wait_download(browser.downloads, "Übersicht 2026.pdf")
    assert hashlib.sha256(open(path, "rb").read()).hexdigest() == hashlib.sha256(files["Übersicht 2026.pdf"]).hexdigest()
    browser.find_element(By.ID, "download-zip").click()
    zpath = wait_download(browser.downloads, next(iter([n for n in ["transfer-" + link.split("id=")[1] + ".zip"]])))
    with zipfile.ZipFile(zpath) as z:
        assert sorted(z.namelist()) == sorted(files)
        assert z.read("notes.txt") == b"plain notes\n"
    # No cookie the page set is readable by script, and the password is in no URL the browser visited.
    assert browser.execute_script("return document.cookie") in ("", "lang=en")
    assert PASSWORD not in browser.current_url


def test_mode_none_link_opens_with_the_prefilled_password(web_server, browser):
    from selenium.webdriver.common.by import By
    _, _, link = provide(web_server, {"a.txt": b"alpha"}, mode="NONE")
    assert "password=" in link
    browser.get(link)
    shot(browser, "03-none-prefilled")
    assert browser.find_element(By.ID, "password").get_attribute("value") != ""
    submit(browser)
    assert [a.text for a in browser.find_elements(By.CSS_SELECTOR, "#file-list a")] == ["a.txt"]


def test_wrong_password_then_locked_and_revoked_pages(web_server, browser):
    from selenium.webdriver.common.by import By
    client, tracking, link = provide(web_server, {"a.txt": b"alpha"})
    browser.get(link)
    for attempt in range(2):
        browser.find_element(By.ID, "password").send_keys("Wr0ng!Guess#%d" % attempt)
        submit(browser)
        alert = browser.find_element(By.ID, "form-error")
        assert "not correct" in alert.text
        assert browser.find_element(By.ID, "password").get_attribute("aria-invalid") == "true"
    shot(browser, "04-wrong-password")
    browser.find_element(By.ID, "password").send_keys("Wr0ng!Guess#3")
    submit(browser)
    shot(browser, "05-locked")
    assert browser.find_element(By.ID, "error-message").get_attribute("data-error") == "errorLocked"

    _, tracking2, link2 = provide(web_server, {"b.txt": b"beta"})
    # The recipient has the form open when the sender revokes: unlocking then says so.
    browser.get(link2)
    r = client.request("PATCH", f"/api/users/{SENDER}/transfers/{tracking2}", json={"status": {"state": "DELETED_BY_REVOCATION"}})
    assert r.status_code == 200, r.text
    browser.find_element(By.ID, "password").send_keys(PASSWORD)
    submit(browser)
    shot(browser, "06-revoked")
    gone = browser.find_element(By.ID, "gone-message")
    assert gone.get_attribute("data-state") == "revoked"
    assert "The sender withdrew this transfer" in gone.text
    assert browser.find_element(By.TAG_NAME, "h1").text == "This transfer was withdrawn"
    # Opening the link again shows the same page straight away, without asking for the password.
    browser.get(link2)
    assert browser.find_element(By.ID, "gone-message").get_attribute("data-state") == "revoked"
    assert browser.find_elements(By.ID, "password") == []

    # An id nobody was given keeps the neutral not-found page.
    browser.get(web_server.base + "/download?id=ZZZZZZZZZZ")
    browser.find_element(By.ID, "password").send_keys(PASSWORD)
    submit(browser)
    shot(browser, "06b-unknown")
    assert browser.find_element(By.ID, "error-message").get_attribute("data-error") == "errorNotFound"
    assert browser.find_elements(By.ID, "gone-message") == []


def test_expired_transfer_has_its_own_page_with_the_date(web_server, browser):
    import datetime
    import sqlite3
    from selenium.webdriver.common.by import By
    client, tracking, link = provide(web_server, {"report.txt": b"expired soon"})
    # The recipient unlocked the files while the transfer was active.
    browser.get(link)
    browser.find_element(By.ID, "password").send_keys(PASSWORD)
    submit(browser)
    assert browser.find_element(By.TAG_NAME, "h1").text == "Your files"
    files_url = browser.current_url

    # Its expiration date passes (set back in the database: two days ago, 09:30 UTC).
    expired = datetime.datetime.now(datetime.timezone.utc).replace(hour=9, minute=30, second=0, microsecond=0) - datetime.timedelta(days=2)
    db = sqlite3.connect(os.path.join(web_server.data, "sealdrop.sqlite"), timeout=30)
    with db:
        changed = db.execute("UPDATE transfers SET expires_at = ?, settings_json = json_set(settings_json, '$.expirationDate', ?) "
                             "WHERE tracking_id = ?", (expired.timestamp(), expired.timestamp(), tracking)).rowcount
    db.close()
    assert changed == 1

    day = f"{expired.day} {expired.strftime('%B %Y')}"
    for url in (files_url, link):
        browser.get(url)
        gone = browser.find_element(By.ID, "gone-message")
        assert gone.get_attribute("data-state") == "expired"
        assert browser.find_element(By.TAG_NAME, "h1").text == "This transfer has expired"
        assert f"It expired on {day}" in gone.text and "09:30 UTC" in gone.text, gone.text
        assert "ask the sender to send the files again" in gone.text
    shot(browser, "06c-expired")
    assert browser.find_elements(By.ID, "password") == []
    browser.find_element(By.LINK_TEXT, "Deutsch").click()
    shot(browser, "06d-expired-german")
    assert browser.find_element(By.TAG_NAME, "h1").text == "Dieser Transfer ist abgelaufen"
    assert "abgelaufen" in browser.find_element(By.ID, "gone-message").text
    # The REST API still answers 404/2003 for it.
    r = client.get(f"/api/transfers/{link.split('id=')[1]}/files", headers={"X-CS-Password": PASSWORD})
    assert r.status_code == 404 and r.json()["errorCode"] == 2003, r.text


def test_language_switch_small_screen_and_keyboard(web_server, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    _, _, link = provide(web_server, {"a.txt": b"alpha"})
    browser.get(link)
    browser.find_element(By.LINK_TEXT, "Deutsch").click()
    assert browser.find_element(By.TAG_NAME, "h1").text == "Dateien abrufen"
    browser.refresh()
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "de"
    shot(browser, "07-german")
    browser.find_element(By.LINK_TEXT, "English").click()
    assert browser.find_element(By.TAG_NAME, "h1").text == "Retrieve files"

    browser.set_window_size(320, 700)
    browser.get(link)
    shot(browser, "08-320px")
    assert browser.execute_script("return document.documentElement.scrollWidth") <= 320

    browser.set_window_size(1280, 900)
    browser.get(link)
    from selenium.webdriver.common.action_chains import ActionChains
    # The password field has autofocus; from the top of the page, Tab walks every control in reading order.
    browser.execute_script("document.querySelector('.skip').focus()")
    order = ["skip"]
    for _ in range(5):
        ActionChains(browser).send_keys(Keys.TAB).perform()
        active = browser.switch_to.active_element
        order.append(active.get_attribute("id") or active.get_attribute("class") or active.text)
    assert order == ["skip", "Deutsch", "transfer-id", "password", "secondary", "unlock"], order
    # Visible focus: the focused control has an outline.
    browser.find_element(By.ID, "password").send_keys(PASSWORD)
    outline = browser.execute_script("return getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"
    browser.switch_to.active_element.send_keys(Keys.ENTER)
    assert browser.find_element(By.TAG_NAME, "h1").text == "Your files"
    shot(browser, "09-keyboard-files")
