"""Branding and mail languages against a live `sealdrop serve`: product name, colours and a logo set through the
admin API appear in the captured mails (the logo inside the mail as a multipart/related part, read back with
Python's email package) and on the pages; an SVG carrying script is refused; a language pack's mail.json sends the
verification code in French and its removal ends that. The browser test sets branding on the admin page, previews a
notification in a new tab without saving, saves, and sees the logo on the upload page without console errors."""
import email
import email.policy
import re
import struct
import time
import zlib

import requests
from selenium.webdriver.common.by import By

from client import Client, verify_sender
from test_browser_admin import ADMIN_PASSWORD, admin_url, login, start_server, submit
from test_browser_retrieve import chromium, shot
from test_browser_start import severe
from test_languages import admin_server, manifest, pack_zip, signed_in  # noqa: F401 (admin_server is a fixture)
from test_zip_content import provide, RECIPIENT, SENDER

SCRIPT_SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(document.domain)"><rect width="10" height="10"/></svg>'


def png(width=96, height=32, rgb=(170, 0, 17)):
    """A real PNG that browsers and mail programs display: one colour, zlib-compressed rows."""
    rows = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def api(admin, method, path, **kw):
    headers = {"X-CSRF-Token": admin.csrf, **kw.pop("headers", {})}
    return admin.http.request(method, admin.base + path, headers=headers, timeout=30, **kw)


def test_branded_mail_carries_the_logo_inside_and_pages_show_name_colours_and_logo(admin_server):
    admin = signed_in(admin_server)
    refused = api(admin, "PUT", "/admin/api/branding/logo", data=SCRIPT_SVG, headers={"Content-Type": "image/svg+xml"})
    assert refused.status_code == 400 and "event attribute" in refused.text
    logo = png()
    r = api(admin, "PUT", "/admin/api/branding/logo", data=logo, headers={"Content-Type": "image/png"})
    assert r.status_code == 201, r.text
    r = api(admin, "PUT", "/admin/api/settings/branding",
            json={"branding": {"productName": "Example Files", "accentColor": "#aa0011", "textColor": "#111111"}})
    assert r.status_code == 200, r.text
    r = api(admin, "PUT", "/admin/api/settings/verification", json={"legal": {"termsActive": True}})
    assert r.status_code == 200, r.text

    served = requests.get(admin_server.base + "/branding/logo", timeout=10)
    assert served.status_code == 200 and served.content == logo and served.headers["Content-Type"] == "image/png"
    assert "sandbox" in served.headers["Content-Security-Policy"]
    assert "--accent: #aa0011;" in requests.get(admin_server.base + "/branding.css", timeout=10).text
    start = requests.get(admin_server.base + "/", timeout=10).text
    assert '<img src="/branding/logo?v=' in start and 'alt="Example Files"' in start

    client = Client(admin_server.base)
    client.obtain_client_id()
    verify_sender(client, admin_server, SENDER)
    tracking = provide(admin_server, client, {"report.pdf": b"%PDF-1.4 quarterly"}, show_zip=False)
    path = admin_server.wait_for_mail("recipient-notification")[-1]
    with open(path, "rb") as f:
        msg = email.message_from_binary_file(f, policy=email.policy.default)
    assert msg["From"].addresses[0].display_name == "Example Files"
    html = msg.get_body(preferencelist=("html",))
    text = msg.get_body(preferencelist=("plain",)).get_content()
    related = [part for part in msg.walk() if part.get_content_type() == "multipart/related"]
    assert len(related) == 1, "the HTML and the logo travel together"
    image = next(part for part in msg.walk() if part.get_content_type() == "image/png")
    assert image["Content-ID"] == "<logo@sealdrop>" and image.get_content_disposition() == "inline"
    assert image.get_content() == logo
    body = html.get_content()
    assert 'src="cid:logo@sealdrop"' in body and "background:#aa0011" in body and "color:#111111" in body
    assert f'href="mailto:{SENDER}"' in body and "Reply to the sender" in body
    assert f"{admin_server.base}/terms" in body and f"{admin_server.base}/imprint" in body
    assert f"To {RECIPIENT};" in body
    assert f"Reply to the sender: mailto:{SENDER}" in text

    # The mail endpoint serves the same HTML for add-ins to send themselves: the logo is linked, not inside.
    r = client.get(f"/api/users/{SENDER}/transfers/{tracking}")
    assert r.status_code == 200, r.text
    transfer_id = r.json()["data"]["status"]["recipients"][0]["id"]
    r = client.post(f"/api/users/{SENDER}/transfers/{tracking}/emails/recipients/{transfer_id}",
                    json={"additionalRecipients": {"cc": [{"mail": "carol@example.net"}], "bcc": [{"mail": "hidden@example.net"}]}})
    assert r.status_code == 200, r.text
    assert f'src="{admin_server.base}/branding/logo?v=' in r.text
    assert "Cc carol@example.net" in r.text and "hidden@example.net" not in r.text


def test_a_language_packs_mail_templates_send_the_code_in_its_language(admin_server):
    admin = signed_in(admin_server)
    broken = pack_zip({"manifest.json": manifest(), "mail.json": {"verification-code.subject": "{{#code}}never closed"}})
    r = api(admin, "PUT", "/admin/api/languages", data=broken, headers={"Content-Type": "application/zip"})
    assert r.status_code == 400 and "not a valid Mustache template" in r.text
    pack = pack_zip({"manifest.json": manifest(), "mail.json": {
        "verification-code.subject": "Votre code de vérification",
        "verification-code.text": "Bonjour,\n\nvotre code : {{code}} (valable {{validMinutes}} minutes).",
        "verification-code.html": "{{<layout}}{{$content}}<p>Votre code : <strong>{{code}}</strong></p>{{/content}}{{/layout}}",
    }})
    r = api(admin, "PUT", "/admin/api/languages", data=pack, headers={"Content-Type": "application/zip"})
    assert r.status_code == 201, r.text
    assert "recipient-notification.subject" in r.json()["missingMailTemplates"]
    assert "verification-code.subject" not in r.json()["missingMailTemplates"]

    client = Client(admin_server.base)
    client.obtain_client_id()
    client.session.headers["Accept-Language"] = "fr-FR, en;q=0.5"
    r = client.post(f"/api/users/{SENDER}/verification/code/email")
    assert r.status_code == 200, r.text
    path = admin_server.wait_for_mail("verification-code")[-1]
    with open(path, "rb") as f:
        msg = email.message_from_binary_file(f, policy=email.policy.default)
    assert str(msg["Subject"]) == "Votre code de vérification"
    assert re.search(r"votre code : [A-Z0-9]{10} \(valable \d+ minutes\)", msg.get_body(preferencelist=("plain",)).get_content())
    assert '<html lang="fr-fr">' in msg.get_body(preferencelist=("html",)).get_content()

    assert api(admin, "DELETE", "/admin/api/languages/fr-FR").status_code == 204
    r = client.post(f"/api/users/{SENDER}/verification/code/email")
    assert r.status_code == 200, r.text
    path = admin_server.wait_for_mail("verification-code", count=2)[-1]
    with open(path, "rb") as f:
        assert "Votre" not in str(email.message_from_binary_file(f, policy=email.policy.default)["Subject"])


def test_branding_page_previews_without_saving_then_saves_and_the_pages_show_the_logo(tmp_path):
    server = start_server()
    browser = chromium()
    try:
        logo = tmp_path / "logo.png"
        logo.write_bytes(png())
        bad = tmp_path / "bad.svg"
        bad.write_bytes(SCRIPT_SVG)
        login(browser, server, "admin", ADMIN_PASSWORD)
        browser.get(admin_url(server, "/admin/branding"))
        assert browser.find_element(By.ID, "no-logo")
        browser.find_element(By.ID, "branding-productName").clear()
        browser.find_element(By.ID, "branding-productName").send_keys("Example Files")
        browser.execute_script("document.getElementById('branding-accentColor').value = '#aa0011'")
        browser.find_element(By.ID, "logo").send_keys(str(bad))
        submit(browser, "save")
        assert "event attribute" in browser.find_element(By.ID, "logo-error").text
        assert browser.find_element(By.ID, "no-logo")
        severe(browser)  # the 400 of that answer is logged by Chrome; nothing else may be

        # The preview opens in a new tab with the unsaved values and logo; nothing is saved.
        browser.find_element(By.ID, "branding-productName").clear()
        browser.find_element(By.ID, "branding-productName").send_keys("Example Files")
        browser.execute_script("document.getElementById('branding-accentColor').value = '#aa0011'")
        browser.find_element(By.ID, "logo").send_keys(str(logo))
        browser.find_element(By.CSS_SELECTOR, "#preview-kind option[value=recipient-notification]").click()
        browser.find_element(By.CSS_SELECTOR, "#preview-language option[value=de]").click()
        first = browser.current_window_handle
        browser.find_element(By.ID, "preview").click()
        deadline = time.time() + 20
        while len(browser.window_handles) < 2 and time.time() < deadline:
            time.sleep(0.05)
        browser.switch_to.window([h for h in browser.window_handles if h != first][0])
        deadline = time.time() + 20
        while "Dem Absender antworten" not in browser.page_source and time.time() < deadline:
            time.sleep(0.05)
        shot(browser, "70-branding-preview")
        image = browser.find_element(By.CSS_SELECTOR, "img[alt='Example Files']")
        assert image.get_attribute("src").startswith("data:image/png;base64,")
        assert browser.execute_script("return arguments[0].naturalWidth", image) == 96
        browser.close()
        browser.switch_to.window(first)
        assert requests.get(server.base + "/branding/logo", timeout=10).status_code == 404

        browser.find_element(By.ID, "logo").send_keys(str(logo))
        submit(browser, "save")
        shot(browser, "71-branding-saved")
        assert browser.find_element(By.ID, "current-logo")
        assert browser.find_element(By.ID, "branding-accentColor").get_attribute("value") == "#aa0011"
        assert severe(browser) == []

        browser.get(server.base + "/")
        brand = browser.find_element(By.CSS_SELECTOR, "header .brand img")
        assert brand.get_attribute("alt") == "Example Files"
        assert browser.execute_script("return arguments[0].complete && arguments[0].naturalWidth", brand) == 96
        accent = browser.execute_script("return getComputedStyle(document.documentElement).getPropertyValue('--accent').trim()")
        assert accent == "#aa0011"
        assert browser.title.endswith("Example Files")
        shot(browser, "72-branded-start-page")
        assert severe(browser) == []
    finally:
        browser.quit()
        server.stop()
