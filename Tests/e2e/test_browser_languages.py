"""A language added in the admin interface and seen on the upload page, in a real browser (headless Chromium,
Selenium): the administrator uploads a language pack (a ZIP) on /admin/languages, the pack is listed with the
texts it lacks, and the upload page offers the language at once; a text the pack has shows translated, one it
lacks shows in English. The upload page's "Details" toggle is remembered in show_upload_details. No console
error on any of these pages.

Screenshots go to ci-output/screenshots/ (not committed)."""
import time

import pytest
from selenium.webdriver.common.by import By

from test_browser_admin import ADMIN_PASSWORD, admin_url, login, start_server, submit
from test_browser_provide import verify_in_browser, wait_until
from test_browser_retrieve import chromium, shot
from test_browser_start import severe
from test_languages import good_pack


@pytest.fixture
def browser():
    b = chromium()
    yield b
    b.quit()


def follow(browser, element):
    """Clicks a link and waits until the next page replaced this one."""
    old = browser.find_element(By.TAG_NAME, "html")
    element.click()
    deadline = time.time() + 20
    while time.time() < deadline:
        try:
            old.tag_name
        except Exception:
            if browser.execute_script("return document.readyState") == "complete":
                return
        time.sleep(0.05)
    raise AssertionError("the page did not change")


def test_language_uploaded_in_the_admin_is_offered_on_the_upload_page(browser, tmp_path):
    server = start_server()
    try:
        pack = tmp_path / "fr-FR.zip"
        pack.write_bytes(good_pack())

        login(browser, server, "admin", ADMIN_PASSWORD)
        browser.get(admin_url(server, "/admin/languages"))
        assert browser.find_element(By.ID, "no-packs")
        # A file that is no ZIP: the reason next to the field, nothing stored.
        junk = tmp_path / "junk.zip"
        junk.write_bytes(b"not a zip at all")
        browser.find_element(By.ID, "language-file").send_keys(str(junk))
        submit(browser, "upload-language")
        assert "not a ZIP archive" in browser.find_element(By.ID, "language-file-error").text
        assert browser.find_element(By.ID, "no-packs")
        severe(browser)  # the 400 of that answer is logged by Chrome; nothing else may be

        browser.find_element(By.ID, "language-file").send_keys(str(pack))
        submit(browser, "upload-language")
        shot(browser, "60-language-uploaded")
        row = browser.find_element(By.ID, "pack-fr-FR")
        assert "Français (France)" in row.text and "1.0" in row.text
        assert browser.find_elements(By.CSS_SELECTOR, "#pack-fr-FR .missing details")
        assert severe(browser) == []

        browser.get(server.base + "/upload")
        assert "/sender" in browser.current_url
        verify_in_browser(browser, server, "polyglot@example.org")
        wait_until(lambda: "/upload" in browser.current_url, 30, "the upload page")
        assert browser.find_element(By.TAG_NAME, "h1").text == "Send files"
        follow(browser, browser.find_element(By.CSS_SELECTOR, "header nav a[hreflang=fr-FR]"))
        shot(browser, "61-upload-in-french")
        assert "/upload" in browser.current_url
        assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "fr-FR"
        assert browser.find_element(By.TAG_NAME, "h1").text == "Envoyer des fichiers"
        # English where the pack has no text, and the way back to English is offered.
        assert browser.find_element(By.CSS_SELECTOR, "header nav a[hreflang=en]")
        assert severe(browser) == []
        # The choice is kept: the next visit is French without ?lang=.
        browser.get(server.base + "/upload")
        assert browser.find_element(By.TAG_NAME, "h1").text == "Envoyer des fichiers"
        assert severe(browser) == []

        # The per-file details are open until closed; closing them is remembered in show_upload_details.
        browser.find_element(By.ID, "to").send_keys("bob@example.net")
        browser.find_element(By.ID, "continue").click()
        wait_until(lambda: browser.find_element(By.ID, "step-files").is_displayed(), 20, "the files step")
        details = browser.find_element(By.ID, "upload-details")
        assert details.get_attribute("open") is not None
        assert browser.get_cookie("show_upload_details") is None  # rendering open writes nothing
        browser.find_element(By.ID, "upload-details-toggle").click()
        wait_until(lambda: (browser.get_cookie("show_upload_details") or {}).get("value") == "false", 10, "the cookie")
        assert browser.get_cookie("show_upload_details")["sameSite"] == "Strict"
        browser.get(server.base + "/upload?to=bob@example.net")
        assert browser.find_element(By.ID, "upload-details").get_attribute("open") is None
        assert browser.get_cookie("show_upload_details")["value"] == "false"  # loading it closed writes nothing
        assert severe(browser) == []
    finally:
        server.stop()
