"""The admin interface in a real browser (headless Chromium + Selenium) against a live `sealdrop serve`:
login, lock-out after repeated wrong passwords, a password rule changed in the admin pages applying to the
user side at once, a Log Analyst refused a settings page, and `sealdrop audit verify` catching a tampered row.

Screenshots of every step go to ci-output/screenshots/ (not committed)."""
import sqlite3
import subprocess
import time

import requests
from selenium.webdriver.common.by import By

from client import Client
from conftest import Server
from test_browser_retrieve import chromium, shot

ADMIN_PASSWORD = "operator's long password"


def start_server():
    server = Server()
    server.env["SEALDROP_ADMIN_PASSWORD"] = ADMIN_PASSWORD
    server.start()
    server.wait_for_log("admin.bootstrap")
    return server


def admin_url(server, path):
    return f"http://127.0.0.1:{server.admin}{path}"


def cli(server, *args, stdin=None):
    return subprocess.run([server.binary, *args, "--config", server.config], env=server.env, input=stdin,
                          capture_output=True, text=True, timeout=60)


def submit(browser, button_id):
    """Clicks a submit button and waits until the next page replaced this one."""
    old = browser.find_element(By.TAG_NAME, "html")
    browser.find_element(By.ID, button_id).click()
    deadline = time.time() + 20
    while time.time() < deadline:
        try:
            old.tag_name
        except Exception:
            if browser.execute_script("return document.readyState") == "complete":
                return
        time.sleep(0.05)
    raise AssertionError("the page did not change after clicking " + button_id)


def login(browser, server, name, password):
    browser.get(admin_url(server, "/login"))
    browser.find_element(By.ID, "name").clear()
    browser.find_element(By.ID, "name").send_keys(name)
    browser.find_element(By.ID, "password").send_keys(password)
    submit(browser, "login-submit")


def minimum_length(server):
    client = Client(server.base)
    client.obtain_client_id()
    r = client.get("/api/password/requirements")
    assert r.status_code == 200, r.text
    body = r.json()
    rules = body["data"] if isinstance(body, dict) else body
    rule = next(rule for rule in rules if rule["name"] == "minimumLengthRequired")
    return rule["details"]["length"]


def test_login_settings_change_applies_to_users_and_audit_is_chained():
    server = start_server()
    browser = chromium()
    try:
        # The user listener has no admin pages; the admin listener has no user pages.
        assert requests.get(server.base + "/login", timeout=10).status_code == 404
        assert requests.get(admin_url(server, "/download?id=x"), timeout=10).status_code == 404

        login(browser, server, "admin", ADMIN_PASSWORD)
        assert browser.current_url.endswith("/admin"), browser.current_url
        assert "System status" in browser.find_element(By.TAG_NAME, "h1").text
        assert "admin.bootstrap" in browser.find_element(By.CSS_SELECTOR, "pre.log").text
        shot(browser, "admin-01-status")
        cookie = browser.get_cookie("cs-ai-session")
        assert cookie and cookie["httpOnly"] and cookie["secure"] and cookie["sameSite"] == "Strict"

        assert minimum_length(server) == 8
        browser.get(admin_url(server, "/admin/settings/password"))
        field = browser.find_element(By.ID, "f-password-minimumLength")
        field.clear()
        field.send_keys("20")
        submit(browser, "save")
        assert "Saved. The change is in effect now." in browser.page_source
        shot(browser, "admin-02-password-policy-saved")
        assert minimum_length(server) == 20

        # A wrong value is explained next to its field and changes nothing.
        field = browser.find_element(By.ID, "f-password-minimumLength")
        field.clear()
        field.send_keys("zero")
        submit(browser, "save")
        error = browser.find_element(By.ID, "f-password-minimumLength-error")
        assert "whole number" in error.text
        shot(browser, "admin-03-field-error")
        assert minimum_length(server) == 20

        browser.get(admin_url(server, "/admin/audit"))
        assert "password.minimumLength" in browser.page_source
        shot(browser, "admin-04-audit")
    finally:
        browser.quit()
        server.stop()

    verified = cli(server, "audit", "verify")
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "audit log intact" in verified.stdout
    db = sqlite3.connect(server.data + "/sealdrop.sqlite")
    row = db.execute("SELECT id FROM audit_log WHERE target = 'password.minimumLength'").fetchone()[0]
    db.execute("DROP TRIGGER audit_log_no_update")
    db.execute("UPDATE audit_log SET new_value = '4' WHERE id = ?", (row,))
    db.commit()
    db.close()
    broken = cli(server, "audit", "verify")
    assert broken.returncode == 1
    assert f"BROKEN at row {row}" in broken.stdout, broken.stdout


def test_lock_out_and_a_log_analyst_is_refused_settings():
    server = start_server()
    created = cli(server, "admin", "create-user", "ana", "--role", "log-analyst", "--password-stdin", stdin="analyst's password\n")
    assert created.returncode == 0, created.stderr
    weak = cli(server, "admin", "create-user", "bob", "--role", "config-admin", "--password-stdin", stdin="short\n")
    assert weak.returncode == 1 and "at least 12 characters" in weak.stderr
    browser = chromium()
    try:
        # Wrong passwords, the lock and an unknown name all get the same message: it tells no one which names exist.
        login(browser, server, "nobody-here", "wrong guess")
        unknown = browser.find_element(By.ID, "login-error").text
        assert unknown.startswith("Wrong name or password"), unknown
        for attempt in range(1, 6):
            login(browser, server, "admin", f"wrong guess {attempt}")
            assert browser.find_element(By.ID, "login-error").text == unknown
        shot(browser, "admin-05-locked")
        login(browser, server, "admin", ADMIN_PASSWORD)
        assert browser.find_element(By.ID, "login-error").text == unknown
        assert browser.get_cookie("cs-ai-session") is None

        login(browser, server, "ana", "analyst's password")
        assert browser.current_url.endswith("/admin"), browser.current_url
        menu = browser.find_element(By.CSS_SELECTOR, "nav.menu").text
        assert "Transfer log" in menu and "Password policy" not in menu
        shot(browser, "admin-06-analyst-menu")
        browser.get(admin_url(server, "/admin/settings/password"))
        assert "Your role does not allow this" in browser.find_element(By.ID, "error-message").text
        shot(browser, "admin-07-analyst-refused")
        browser.get(admin_url(server, "/admin/log"))
        assert browser.find_element(By.TAG_NAME, "h1").text == "Transfer log"
        browser.get(admin_url(server, "/admin?lang=de"))
        assert browser.find_element(By.TAG_NAME, "h1").text == "Systemstatus"
        shot(browser, "admin-08-german")
        browser.set_window_size(320, 800)
        browser.get(admin_url(server, "/admin/log"))
        assert browser.execute_script("return document.documentElement.scrollWidth <= window.innerWidth + 1")
        shot(browser, "admin-09-320px")
    finally:
        browser.quit()
        server.stop()
    assert "admin.account.locked" in server.read_log()


def test_metrics_and_health_on_the_admin_listener_only():
    server = start_server()
    try:
        requests.get(server.base + "/api/status", timeout=10)
        health = requests.get(admin_url(server, "/health"), timeout=10)
        assert health.status_code == 200 and health.json()["ready"] is True
        metrics = requests.get(admin_url(server, "/metrics"), timeout=10)
        assert metrics.status_code == 200
        samples = {line.split(" ")[0]: float(line.split(" ")[1]) for line in metrics.text.splitlines()
                   if line and not line.startswith("#") and len(line.split(" ")) == 2}
        assert samples['sealdrop_http_requests_total{listener="user",status="2xx"}'] >= 1
        assert requests.get(server.base + "/metrics", timeout=10).status_code == 404
        assert requests.get(server.base + "/health", timeout=10).status_code == 404
    finally:
        server.stop()
