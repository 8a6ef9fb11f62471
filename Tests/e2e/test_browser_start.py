"""The start page in a real browser (headless Chromium, Selenium): the two choices, no console error (the
favicon among them), and a pasted transfer link or id that leads to the password page.

Screenshots go to ci-output/screenshots/ (not committed)."""
import pytest

from conftest import Server
from test_browser_retrieve import chromium, provide, shot, submit


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


def severe(browser):
    """The console errors logged since the last call (reading the log empties it)."""
    return [entry for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]


def test_start_page_choices_no_console_errors_and_a_pasted_link(web_server, browser):
    from selenium.webdriver.common.by import By
    _, _, link = provide(web_server, {"a.txt": b"alpha"})
    transfer_id = link.split("id=")[1]

    # The console log is collected: a missing file shows up as an error, so an empty log means something.
    browser.get(web_server.base + "/static/missing.css")
    assert severe(browser), "the browser console log is not collected"

    browser.get(web_server.base + "/")
    shot(browser, "10-start")
    assert browser.find_element(By.ID, "send-files").text == "Send files"
    assert browser.find_element(By.ID, "send-files").get_attribute("href") == web_server.base + "/upload"
    assert browser.find_element(By.ID, "receive-files").text == "Receive files"
    assert browser.find_element(By.ID, "footer-imprint").get_attribute("href") == web_server.base + "/imprint"
    assert browser.find_element(By.CSS_SELECTOR, "header nav a[hreflang=de]")
    assert severe(browser) == []

    # Garbage: a sentence, the start page again.
    browser.find_element(By.ID, "receive-link").send_keys("not a link")
    submit(browser, "receive-files")
    assert "neither a transfer link nor a transfer id" in browser.find_element(By.ID, "receive-error").text
    # The answer is a 400, as the other forms answer bad input; Chrome logs that status and nothing else.
    errors = severe(browser)
    assert len(errors) == 1 and "/receive?link=not+a+link" in errors[0]["message"] and "400" in errors[0]["message"], errors

    # The pasted link (as copied from the mail, with a trailing space) lands on the password page for its id.
    field = browser.find_element(By.ID, "receive-link")
    field.clear()
    field.send_keys(link + " ")
    submit(browser, "receive-files")
    shot(browser, "11-start-pasted-link")
    assert browser.current_url == web_server.base + "/download?id=" + transfer_id
    assert browser.find_element(By.ID, "transfer-id").get_attribute("value") == transfer_id
    assert browser.find_element(By.ID, "password").is_displayed()
    assert severe(browser) == []

    # A bare id does the same.
    browser.get(web_server.base + "/")
    browser.find_element(By.ID, "receive-link").send_keys(transfer_id)
    submit(browser, "receive-files")
    assert browser.find_element(By.ID, "transfer-id").get_attribute("value") == transfer_id
    assert severe(browser) == []
