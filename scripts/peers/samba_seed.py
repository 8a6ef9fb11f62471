#!/usr/bin/python3
"""Seeds the Samba AD peer of scripts/peers/samba.sh offline, before samba starts.

Writes straight into private/sam.ldb through Samba's own Python bindings (the system python3, where
python3-samba lives), in one transaction: about 4 s for 1,200 users, where 1,200 `samba-tool user create`
calls would take minutes. The password_hash module still hashes the unicodePwd values as AD would.

Usage: samba_seed.py SMB_CONF BASE_DN DNS_DOMAIN BULK_COUNT
Passwords come from the environment (AD_BIND_PASSWORD, AD_USER_PASSWORD), never from the command line.
"""

import base64
import os
import sys

from samba.auth import system_session
from samba.param import LoadParm
from samba.samdb import SamDB

# userAccountControl bits (MS-ADTS 2.2.16).
NORMAL_ACCOUNT = 0x200
ACCOUNTDISABLE = 0x2
DONT_EXPIRE_PASSWORD = 0x10000


def unicode_pwd(password):
    """The unicodePwd value: the password in double quotes, UTF-16LE, base64 for LDIF."""
    return base64.b64encode(('"%s"' % password).encode("utf-16-le")).decode("ascii")


def person(dn, account, domain, password, uac, mail=None, proxies=()):
    """LDIF for one user who can bind (UPN, password, mail and proxyAddresses as given)."""
    lines = [
        f"dn: {dn}",
        "objectClass: user",
        f"sAMAccountName: {account}",
        f"userPrincipalName: {account}@{domain}",
        f"unicodePwd:: {unicode_pwd(password)}",
        f"userAccountControl: {uac}",
    ]
    if mail:
        lines.append(f"mail: {mail}")
    lines += [f"proxyAddresses: {address}" for address in proxies]
    return "\n".join(lines) + "\n"


def main():
    conf, base, domain, bulk = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    bind_password = os.environ["AD_BIND_PASSWORD"]
    user_password = os.environ["AD_USER_PASSWORD"]
    lp = LoadParm()
    lp.load(conf)
    db = SamDB(url=lp.private_path("sam.ldb"), session_info=system_session(), lp=lp)
    enabled = NORMAL_ACCOUNT | DONT_EXPIRE_PASSWORD
    records = [
        f"dn: OU=Services,{base}\nobjectClass: organizationalUnit\n",
        f"dn: OU=People,{base}\nobjectClass: organizationalUnit\n",
        f"dn: OU=Groups,{base}\nobjectClass: organizationalUnit\n",
        f"dn: OU=Bulk,{base}\nobjectClass: organizationalUnit\n",
        person(f"CN=sealdrop-svc,OU=Services,{base}", "sealdrop-svc", domain, bind_password, enabled),
        person(f"CN=alice,OU=People,{base}", "alice", domain, user_password, enabled, f"alice@{domain}",
               [f"SMTP:alice@{domain}", f"smtp:alice.alias@{domain}"]),
        person(f"CN=bob,OU=People,{base}", "bob", domain, user_password, enabled, f"bob@{domain}",
               [f"SMTP:bob@{domain}", f"smtp:robert@{domain}", "X500:/o=Sealdrop/cn=bob"]),
        person(f"CN=carol,OU=People,{base}", "carol", domain, user_password, enabled | ACCOUNTDISABLE, f"carol@{domain}",
               [f"SMTP:carol@{domain}"]),
        # Nested: alice and carol in engineering, engineering and bob in staff.
        f"dn: CN=engineering,OU=Groups,{base}\nobjectClass: group\nsAMAccountName: engineering\n"
        f"member: CN=alice,OU=People,{base}\nmember: CN=carol,OU=People,{base}\n",
        f"dn: CN=staff,OU=Groups,{base}\nobjectClass: group\nsAMAccountName: staff\n"
        f"member: CN=engineering,OU=Groups,{base}\nmember: CN=bob,OU=People,{base}\n",
    ]
    # Bulk users have no password: Samba creates them disabled, which is all the paging tests need.
    for i in range(1, bulk + 1):
        name = f"bulk{i:04d}"
        records.append(f"dn: CN={name},OU=Bulk,{base}\nobjectClass: user\nsAMAccountName: {name}\nmail: {name}@{domain}\n")
    db.transaction_start()
    try:
        db.add_ldif("\n".join(records))
    except Exception:
        db.transaction_cancel()
        raise
    db.transaction_commit()


if __name__ == "__main__":
    main()
