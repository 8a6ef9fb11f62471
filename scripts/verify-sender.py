#!/usr/bin/env python3
"""Verifies a sender against a running server whose mail is captured; prints shell assignments.

Usage: verify-sender.py BASE_URL MAIL_DIR EMAIL  ->  SD_CLIENT_ID=… SD_TOKEN=…
"""
import base64
import email
import email.policy
import os
import re
import sys
import time

import requests

base, mail_dir, address = sys.argv[1:4]
headers = {"X-CS-MajorApiVersion": "1", "X-CS-MinimumMinorApiVersion": "10"}
client_id = requests.get(f"{base}/api/clients", headers=headers, timeout=30).json()["data"]["clientId"]
headers["X-CS-ClientId"] = client_id
r = requests.post(f"{base}/api/users/{address}/verification/code/email", headers=headers, timeout=30)
r.raise_for_status()
code = None
for _ in range(200):
    names = sorted(n for n in os.listdir(mail_dir) if n.endswith("-verification-code.eml")) if os.path.isdir(mail_dir) else []
    if names:
        with open(os.path.join(mail_dir, names[-1]), "rb") as f:
            body = email.message_from_binary_file(f, policy=email.policy.default).get_body(preferencelist=("plain",)).get_content()
        code = re.search(r"\b([A-Z0-9]{10})\b", body).group(1)
        break
    time.sleep(0.1)
if code is None:
    sys.exit("no verification mail was captured")
r = requests.post(f"{base}/api/users/{address}/verification/token", headers=headers, json={"verificationCode": code}, timeout=30)
r.raise_for_status()
print(f"SD_CLIENT_ID={client_id}")
print(f"SD_TOKEN={r.json()['data']['token']}")
