"""Language packs against a live `sealdrop serve`: uploaded through the admin API and the admin page (ZIPs
made by Python's zipfile and by the `zip` command), served under /api/products/{key}/language-packs, offered
by the web pages at once, hostile ZIPs refused with a clear message and nothing stored, a restart keeps them;
and the product keys an administrator registers."""
import io
import json
import os
import shutil
import struct
import subprocess
import tempfile
import zipfile

import pytest
import requests

from client import Client
from conftest import Server
from test_admin_mail import AdminSession

ADMIN_PASSWORD = "operator's long password"
FRENCH_WEB = {"uploadTitle": "Envoyer des fichiers", "languageName": "Français", "languageLabel": "Langue"}


def manifest(locale="fr-FR", version="1.0", **extra):
    value = {"locale": locale, "version": version, "lastChangeTimestamp": "2026-12-01T10:00:00Z", "displayName": "Français (France)"}
    value.update(extra)
    return value


def pack_zip(files, method=zipfile.ZIP_DEFLATED):
    """A ZIP made by Python's zipfile: name → bytes, str or JSON value."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", method) as z:
        for name, value in files.items():
            if isinstance(name, zipfile.ZipInfo):
                z.writestr(name, value)
                continue
            if not isinstance(value, (bytes, str)):
                value = json.dumps(value, ensure_ascii=False)
            z.writestr(name, value)
    return out.getvalue()


def good_pack(locale="fr-FR", version="1.0", web=None):
    return pack_zip({"manifest.json": manifest(locale, version), "web.json": web or FRENCH_WEB,
                     "products/outlook/messages.json": {"addin.send": "Envoyer en toute sécurité"}})


def zip_cli_pack(locale, web):
    """A ZIP made by the `zip` command (deflate), with a directory entry as zip writes it."""
    folder = tempfile.mkdtemp(prefix="sealdrop-pack-")
    try:
        os.makedirs(os.path.join(folder, "products", "owa"))
        with open(os.path.join(folder, "manifest.json"), "w") as f:
            json.dump(manifest(locale, displayName="Português (Brasil)"), f)
        with open(os.path.join(folder, "web.json"), "w") as f:
            json.dump(web, f, ensure_ascii=False)
        with open(os.path.join(folder, "products", "owa", "messages.json"), "w") as f:
            json.dump({"addin.send": "Enviar com segurança"}, f, ensure_ascii=False)
        subprocess.run(["zip", "-q", "-r", "-9", "pack.zip", "manifest.json", "web.json", "products"], cwd=folder, check=True)
        with open(os.path.join(folder, "pack.zip"), "rb") as f:
            return f.read()
    finally:
        shutil.rmtree(folder)


def lying_bomb():
    """web.json of 8 MiB of spaces whose headers claim 100 bytes: only the real output can stop it."""
    data = bytearray(pack_zip({"manifest.json": manifest(), "web.json": b" " * (8 * 1024 * 1024)}))
    for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        start = 0
        while (start := data.find(signature, start)) != -1:
            name_length = struct.unpack_from("<H", data, start + (26 if signature == b"PK\x03\x04" else 28))[0]
            name_start = start + (30 if signature == b"PK\x03\x04" else 46)
            if data[name_start:name_start + name_length] == b"web.json":
                struct.pack_into("<I", data, start + offset, 100)
            start += 4
    return bytes(data)


def symlink_pack():
    info = zipfile.ZipInfo("web.json")
    info.create_system = 3
    info.external_attr = (0o120777 << 16)
    return pack_zip({"manifest.json": manifest(), info: "/etc/passwd"})


HOSTILE = {
    "traversal": (pack_zip({"manifest.json": manifest(), "../web.json": FRENCH_WEB}), "not a plain relative path"),
    "absolute": (pack_zip({"manifest.json": manifest(), "/etc/web.json": FRENCH_WEB}), "not a plain relative path"),
    "backslash": (pack_zip({"manifest.json": manifest(), "..\\web.json": FRENCH_WEB}), "not a plain relative path"),
    "symlink": (symlink_pack(), "symbolic link"),
    "not json name": (pack_zip({"manifest.json": manifest(), "readme.txt": "hello"}), "not a .json file"),
    "not utf-8": (pack_zip({"manifest.json": manifest(), "web.json": b'{"uploadTitle": "\xff\xfe"}'}), "not UTF-8"),
    "not json": (pack_zip({"manifest.json": manifest(), "web.json": "uploadTitle = x"}), "not a JSON object"),
    "non-string value": (pack_zip({"manifest.json": manifest(), "web.json": {"uploadTitle": 3}}), "not a string"),
    "no manifest": (pack_zip({"web.json": FRENCH_WEB}), "no manifest.json"),
    "bad locale": (pack_zip({"manifest.json": manifest("not a tag!"), "web.json": FRENCH_WEB}), "BCP 47"),
    "built-in locale": (pack_zip({"manifest.json": manifest("de"), "web.json": FRENCH_WEB}), "built in"),
    "bad version": (pack_zip({"manifest.json": manifest(version="one"), "web.json": FRENCH_WEB}), "major.minor"),
    "no timestamp": (pack_zip({"manifest.json": {"locale": "fr-FR", "version": "1.0"}, "web.json": FRENCH_WEB}), "lastChangeTimestamp"),
    "bad timestamp": (pack_zip({"manifest.json": manifest(lastChangeTimestamp="yesterday"), "web.json": FRENCH_WEB}), "ISO 8601"),
    "declared bomb": (pack_zip({"manifest.json": manifest(), "web.json": b" " * (3 * 1024 * 1024)}), "KiB unpacked"),
    "lying bomb": (lying_bomb(), "unpacks to more than"),
    "too large": (os.urandom(3 * 1024 * 1024), "larger than 2 MiB"),
    "not a zip": (b"just some text, no archive", "not a ZIP"),
    "encrypted flag": (None, "encrypted"),
}


def encrypted_pack():
    data = bytearray(good_pack())
    start = 0
    while (start := data.find(b"PK\x01\x02", start)) != -1:
        struct.pack_into("<H", data, start + 8, struct.unpack_from("<H", data, start + 8)[0] | 1)
        start += 4
    return bytes(data)


HOSTILE["encrypted flag"] = (encrypted_pack(), "encrypted")


@pytest.fixture
def admin_server():
    server = Server()
    server.env["SEALDROP_ADMIN_PASSWORD"] = ADMIN_PASSWORD
    server.start()
    server.wait_for_log("admin.bootstrap")
    yield server
    server.stop()


def signed_in(server):
    admin = AdminSession(server)
    admin.login("admin", ADMIN_PASSWORD)
    admin.get("/admin/languages")
    return admin


def api_upload(admin, zip_bytes):
    return admin.http.put(admin.base + "/admin/api/languages", data=zip_bytes, timeout=60,
                          headers={"X-CSRF-Token": admin.csrf, "Content-Type": "application/zip"})


def stored_locales(admin):
    r = admin.http.get(admin.base + "/admin/api/languages", timeout=30)
    assert r.status_code == 200, r.text
    return [p["locale"] for p in r.json()["languagePacks"]]


def test_uploaded_pack_is_served_by_the_api_and_pages_with_english_fallback(admin_server):
    admin = signed_in(admin_server)
    r = api_upload(admin, good_pack())
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["id"] == "fr-FR_1" and body["lastChangeTimestamp"].startswith("2026-12-01T10:00:00")
    assert "uploadTitle" not in body["missingKeys"] and len(body["missingKeys"]) > 100

    client = Client(admin_server.base)
    client.obtain_client_id()
    packs = client.get("/api/products/api.rest/language-packs").json()["data"]
    fr = next(p for p in packs if p["id"] == "fr-FR_1")
    assert fr["locale"] == "fr-FR" and fr["displayName"] == "Français (France)" and fr["version"] == "1.0"
    assert fr["href"] == "/api/products/api.rest/language-packs/fr-FR_1"
    assert client.get("/api/products/server/language-packs/fr-FR_1").json()["data"]["href"] == "/api/products/server/language-packs/fr-FR_1"
    web = client.get("/api/products/server/language-packs/fr-FR_1/messages.json").json()
    assert web["uploadTitle"] == "Envoyer des fichiers"
    assert web["languageLabel"] == "Langue"
    english = client.get("/api/products/server/language-packs/en-US_1/messages.json").json()
    assert set(web) == set(english)  # every text of the web app, English where the pack has none
    missing = body["missingKeys"][0]
    assert web[missing] == english[missing]
    # An add-in's texts need its key registered first.
    r = client.get("/api/products/outlook/language-packs/fr-FR_1/messages.json")
    assert r.status_code == 400 and r.json()["errorCode"] == 1005
    r = admin.http.put(admin.base + "/admin/api/settings/products", json={"productKeys": ["outlook"]}, timeout=30,
                       headers={"X-CSRF-Token": admin.csrf})
    assert r.status_code == 200, r.text
    outlook = client.get("/api/products/outlook/language-packs/fr-FR_1/messages.json").json()
    assert outlook["addin.send"] == "Envoyer en toute sécurité"
    assert outlook["revocation.defaultMessage"]  # the API's own texts, English underneath
    assert client.get("/api/products/server/language-packs/xx-XX_1").status_code == 404

    # The pages offer it at once: a language link, the page in French, the choice kept in the cookie.
    start = requests.get(admin_server.base + "/", timeout=30)
    assert 'hreflang="fr-FR"' in start.text and "Français (France)" in start.text
    chosen = requests.get(admin_server.base + "/?lang=fr-FR", timeout=30)
    assert '<html lang="fr-FR">' in chosen.text
    assert "lang=fr-FR" in chosen.headers.get("Set-Cookie", "")
    accepted = requests.get(admin_server.base + "/", headers={"Accept-Language": "fr-CA,fr;q=0.9"}, timeout=30)
    assert '<html lang="fr-FR">' in accepted.text

    # The admin page lists it with its missing keys; an audit row says who uploaded it.
    page = admin.get("/admin/languages")
    assert 'id="pack-fr-FR"' in page.text and missing in page.text
    audit = admin.http.get(admin.base + "/admin/api/audit", timeout=30).json()["entries"]
    assert any(e["action"] == "language.upload" and e["target"] == "fr-FR" and e["newValue"] == "1.0" for e in audit)

    # Survives a restart: stored in the database, not in memory.
    admin_server.stop()
    admin_server.start()
    client = Client(admin_server.base)
    client.obtain_client_id()
    assert any(p["id"] == "fr-FR_1" for p in client.get("/api/products/api.rest/language-packs").json()["data"])
    assert '<html lang="fr-FR">' in requests.get(admin_server.base + "/?lang=fr-FR", timeout=30).text


def test_zip_command_pack_replacing_versions_and_removal(admin_server):
    admin = signed_in(admin_server)
    r = api_upload(admin, zip_cli_pack("pt-BR", {"uploadTitle": "Enviar arquivos"}))
    assert r.status_code == 201, r.text
    assert r.json()["files"] == ["products/owa/messages.json", "web.json"]
    page = requests.get(admin_server.base + "/?lang=pt-BR", timeout=30)
    assert '<html lang="pt-BR">' in page.text

    # Same locale again: a newer (or the same) version replaces it, an older one is refused.
    newer = good_pack("pt-BR", "1.1", {"uploadTitle": "Enviar arquivos agora"})
    assert api_upload(admin, newer).status_code == 201
    client = Client(admin_server.base)
    client.obtain_client_id()
    assert client.get("/api/products/server/language-packs/pt-BR_1/messages.json").json()["uploadTitle"] == "Enviar arquivos agora"
    older = api_upload(admin, good_pack("pt-BR", "1.0"))
    assert older.status_code == 400 and "older" in older.json()["problems"][0]["message"]
    assert client.get("/api/products/api.rest/language-packs/pt-BR_1").json()["data"]["version"] == "1.1"

    r = admin.http.delete(admin.base + "/admin/api/languages/pt-BR", headers={"X-CSRF-Token": admin.csrf}, timeout=30)
    assert r.status_code == 204
    assert stored_locales(admin) == []
    assert client.get("/api/products/api.rest/language-packs/pt-BR_1").status_code == 404


def test_hostile_zips_are_refused_with_a_clear_message_and_nothing_is_stored(admin_server):
    admin = signed_in(admin_server)
    for case, (zip_bytes, message) in sorted(HOSTILE.items()):
        r = api_upload(admin, zip_bytes)
        assert r.status_code == 400, (case, r.text[:300])
        problem = r.json()["problems"][0]
        assert problem["field"] == "file" and message in problem["message"], (case, problem)
        # The page shows the same message next to the upload field.
        page = admin.http.post(admin.base + "/admin/languages", data={"csrf": admin.csrf}, timeout=60,
                               files={"file": ("pack.zip", zip_bytes, "application/zip")}, allow_redirects=False)
        assert page.status_code == 400, (case, page.text[:300])
        assert 'id="language-file-error"' in page.text and message in page.text, (case, page.text[-1500:])
        assert stored_locales(admin) == [], case
    # After all that, a good pack still goes in.
    assert api_upload(admin, good_pack()).status_code == 201
    assert stored_locales(admin) == ["fr-FR"]
