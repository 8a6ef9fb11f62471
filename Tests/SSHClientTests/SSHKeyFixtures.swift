// Test keys only: made by OpenSSH 9.2's ssh-keygen for these tests and used nowhere else.

/// One key made by `ssh-keygen`, with what OpenSSH printed for it.
struct SSHKeyFixture {
    /// The command that made it.
    let command: String
    /// The private key file (`-----BEGIN OPENSSH PRIVATE KEY-----`).
    let privateKey: String
    /// The `.pub` file's line.
    let publicKeyLine: String
    /// The fingerprint `ssh-keygen -lf` printed.
    let fingerprint: String
}

/// The fixture keys; the encrypted ones use the passphrase ``SSHKeyFixtures/passphrase``.
enum SSHKeyFixtures {
    /// The passphrase of the encrypted fixtures.
    static let passphrase = "correct horse"


    /// `ssh-keygen -t ed25519 -N ''`
    static let ed25519 = SSHKeyFixture(
        command: "ssh-keygen -t ed25519 -N ''",
        privateKey: """
-----BEGIN OPENSSH PRIVATE KEY-----
b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW
QyNTUxOQAAACAM1SchXNMuMiYTXY4vmkTwZDAzrlLrVVr2+GYf1p0GmgAAAJixtbn6sbW5
+gAAAAtzc2gtZWQyNTUxOQAAACAM1SchXNMuMiYTXY4vmkTwZDAzrlLrVVr2+GYf1p0Gmg
AAAEBARdf6TsNHCJwYX15yYzg1AbKtgiTcWqa77POiZp7odQzVJyFc0y4yJhNdji+aRPBk
MDOuUutVWvb4Zh/WnQaaAAAAD2ZpeHR1cmUtZWQyNTUxOQECAwQFBg==
-----END OPENSSH PRIVATE KEY-----
""",
        publicKeyLine: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAzVJyFc0y4yJhNdji+aRPBkMDOuUutVWvb4Zh/WnQaa fixture-ed25519",
        fingerprint: "SHA256:wefbwI6z3kYviZWQapMfTNvaa7somZbE6ij8MJ5p/Dc"
    )

    /// `ssh-keygen -t ecdsa -b 256 -N ''`
    static let p256 = SSHKeyFixture(
        command: "ssh-keygen -t ecdsa -b 256 -N ''",
        privateKey: """
-----BEGIN OPENSSH PRIVATE KEY-----
b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAaAAAABNlY2RzYS
1zaGEyLW5pc3RwMjU2AAAACG5pc3RwMjU2AAAAQQTcLa80oUIrqXnsjr+Ozd0S2uG3Zq8Q
oNrF8em6NomdyE0tCgAH9icYZA6A21XJSLur1esculqqAau51KFlbZAHAAAAqMNLHf/DSx
3/AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBNwtrzShQiupeeyO
v47N3RLa4bdmrxCg2sXx6bo2iZ3ITS0KAAf2JxhkDoDbVclIu6vV6xy6WqoBq7nUoWVtkA
cAAAAgRYv+NqNsSPqbxJyapkrZ1znW7Fn/W/SzZpm8w4kcUfYAAAAMZml4dHVyZS1wMjU2
AQIDBA==
-----END OPENSSH PRIVATE KEY-----
""",
        publicKeyLine: "ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBNwtrzShQiupeeyOv47N3RLa4bdmrxCg2sXx6bo2iZ3ITS0KAAf2JxhkDoDbVclIu6vV6xy6WqoBq7nUoWVtkAc= fixture-p256",
        fingerprint: "SHA256:hdkOcQF8ToFzOzNwWuTV1xk8iMbLGfdSDyeGbtVAYAY"
    )

    /// `ssh-keygen -t ecdsa -b 384 -N ''`
    static let p384 = SSHKeyFixture(
        command: "ssh-keygen -t ecdsa -b 384 -N ''",
        privateKey: """
-----BEGIN OPENSSH PRIVATE KEY-----
b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAiAAAABNlY2RzYS
1zaGEyLW5pc3RwMzg0AAAACG5pc3RwMzg0AAAAYQSy87bBAl7pSPavW8jXc3PAhmjxuksG
6JZA5wEC1vom3/LMo2RELqG9y1bVGmuKtrwtQJqjBs8+Flu24dcPmG8pq0ok7O18V1ak+O
Fse1V4Pt+oxz0770KQUgWeHHQlhEQAAADY7nSVwu50lcIAAAATZWNkc2Etc2hhMi1uaXN0
cDM4NAAAAAhuaXN0cDM4NAAAAGEEsvO2wQJe6Uj2r1vI13NzwIZo8bpLBuiWQOcBAtb6Jt
/yzKNkRC6hvctW1Rprira8LUCaowbPPhZbtuHXD5hvKatKJOztfFdWpPjhbHtVeD7fqMc9
O+9CkFIFnhx0JYREAAAAMQC5c0ypF/S8J37zVe1ZD6HtNBo17uJL4vVCRB8m3GVjXy42F3
JZ66OY80GULfDA2t4AAAAMZml4dHVyZS1wMzg0AQID
-----END OPENSSH PRIVATE KEY-----
""",
        publicKeyLine: "ecdsa-sha2-nistp384 AAAAE2VjZHNhLXNoYTItbmlzdHAzODQAAAAIbmlzdHAzODQAAABhBLLztsECXulI9q9byNdzc8CGaPG6SwbolkDnAQLW+ibf8syjZEQuob3LVtUaa4q2vC1AmqMGzz4WW7bh1w+YbymrSiTs7XxXVqT44Wx7VXg+36jHPTvvQpBSBZ4cdCWERA== fixture-p384",
        fingerprint: "SHA256:Yh4ZrOlnZ2yaxKUW0RKA2kX8j2m3lPWA1mCiVkeCVc4"
    )

    /// `ssh-keygen -t ecdsa -b 521 -N ''`
    static let p521 = SSHKeyFixture(
        command: "ssh-keygen -t ecdsa -b 521 -N ''",
        privateKey: """
-----BEGIN OPENSSH PRIVATE KEY-----
b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAArAAAABNlY2RzYS
1zaGEyLW5pc3RwNTIxAAAACG5pc3RwNTIxAAAAhQQArubEnPdbOCLDgLuu7zdmKpkg9dN3
Vk6lwE6Y6j1rXXRQiGL4vgZFWp23jcwbFLQI0MyW8awX3XAKPEVXR8riwV8A1G1PByJrLc
r51g9LzTPETAO07NFGksofP86ZgHgAaqa8JP9n8zS3XIYiJwpi/lLSuHpRux8XHVfXI5JN
x+bQ0ogAAAEQdlwYWHZcGFgAAAATZWNkc2Etc2hhMi1uaXN0cDUyMQAAAAhuaXN0cDUyMQ
AAAIUEAK7mxJz3Wzgiw4C7ru83ZiqZIPXTd1ZOpcBOmOo9a110UIhi+L4GRVqdt43MGxS0
CNDMlvGsF91wCjxFV0fK4sFfANRtTwciay3K+dYPS80zxEwDtOzRRpLKHz/OmYB4AGqmvC
T/Z/M0t1yGIicKYv5S0rh6UbsfFx1X1yOSTcfm0NKIAAAAQgGq+8qj5KKGGb2ebO9z+Hli
WIrEHLSmPLBnYb3Idev4Gsiz0LNyca0kVgh3Owx5AUbYJMUZMdXBewTwScqBuuScBwAAAA
xmaXh0dXJlLXA1MjEBAgMEBQY=
-----END OPENSSH PRIVATE KEY-----
""",
        publicKeyLine: "ecdsa-sha2-nistp521 AAAAE2VjZHNhLXNoYTItbmlzdHA1MjEAAAAIbmlzdHA1MjEAAACFBACu5sSc91s4IsOAu67vN2YqmSD103dWTqXATpjqPWtddFCIYvi+BkVanbeNzBsUtAjQzJbxrBfdcAo8RVdHyuLBXwDUbU8HImstyvnWD0vNM8RMA7Ts0UaSyh8/zpmAeABqprwk/2fzNLdchiInCmL+UtK4elG7HxcdV9cjkk3H5tDSiA== fixture-p521",
        fingerprint: "SHA256:x3nx9cDW0ZSa+b80FFxyOd9Ry6bbBbzLLhwZlD73lh0"
    )

    /// `ssh-keygen -t ed25519 -a 4 -N 'correct horse'`
    static let ed25519AESCTR = SSHKeyFixture(
        command: "ssh-keygen -t ed25519 -a 4 -N 'correct horse'",
        privateKey: """
-----BEGIN OPENSSH PRIVATE KEY-----
b3BlbnNzaC1rZXktdjEAAAAACmFlczI1Ni1jdHIAAAAGYmNyeXB0AAAAGAAAABA0QaJ8s/
G0ZQSMis00XufhAAAABAAAAAEAAAAzAAAAC3NzaC1lZDI1NTE5AAAAINbwfrx0dBrGaLEq
By2TRdQd3qaK2GCzby25dT2oDtuAAAAAoMtmhE6kQ173ceigEg27VCWS4ZxfrBBl/xdCDK
hBWowU/QbedshQXPCDwUwDiu4JSDSrL1RB5F3DCQkrxhWknuXuEJsJiDjNoXF3BzHvGj2G
3R/elCz9onutfSmJKdQBlA1HYOrWnsTlK22Epg3GJ8Njez9gsFgtQeRgZa2BK4K2SgdDB8
cdRrTi+4icoIhTtv2uGsSf9uJR+Pm4NJELhwA=
-----END OPENSSH PRIVATE KEY-----
""",
        publicKeyLine: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAINbwfrx0dBrGaLEqBy2TRdQd3qaK2GCzby25dT2oDtuA fixture-ed25519-ctr",
        fingerprint: "SHA256:/5d1PWRlmH3uWx+rqLGbbKY7UOk+S1sos9tEQIqt7AA"
    )

    /// `ssh-keygen -t ecdsa -b 256 -a 4 -Z aes256-gcm@openssh.com -N 'correct horse'`
    static let p256AESGCM = SSHKeyFixture(
        command: "ssh-keygen -t ecdsa -b 256 -a 4 -Z aes256-gcm@openssh.com -N 'correct horse'",
        privateKey: """
-----BEGIN OPENSSH PRIVATE KEY-----
b3BlbnNzaC1rZXktdjEAAAAAFmFlczI1Ni1nY21Ab3BlbnNzaC5jb20AAAAGYmNyeXB0AA
AAGAAAABDBuqxYZF3Ck8E4pyD+rP4lAAAABAAAAAEAAABoAAAAE2VjZHNhLXNoYTItbmlz
dHAyNTYAAAAIbmlzdHAyNTYAAABBBFGQCwlHEb918MQrthvyAtDseqBcIE/wGVj0dX9wqj
3Ujy81QpqPQx5z77BzoAAMeeH9hPNt6KpvsoFP4IJ4VFsAAACwJQovUgqTHeq0JGtD6sN2
+jdcQ8EWUpzro0gpuZ29RfyFW7ZTlYVxnaZ99AsjDHAQacIQrcxDWJ/LMzTcwK4Q3YMB4q
3inprlUs20LHSyprnC3tM+hK2Dv1SNi5fzkvRSkMFqVxxnduguFmqVJ4tpgjCbqkb77laj
LRgtMkJGaaSkoT1vkq8cQzNU5MNsAlQI/4/mhLrfg5vK7EI/zV8x4UFVAXHLOepY8hnM2x
5tZrQcal6vFPxAM53/8smmAWY0
-----END OPENSSH PRIVATE KEY-----
""",
        publicKeyLine: "ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBFGQCwlHEb918MQrthvyAtDseqBcIE/wGVj0dX9wqj3Ujy81QpqPQx5z77BzoAAMeeH9hPNt6KpvsoFP4IJ4VFs= fixture-p256-gcm",
        fingerprint: "SHA256:rAShgdxvzzY27m5mrVsa7upXh9rgfT785TBikcLa480"
    )

    /// `ssh-keygen -t rsa -b 1024 -N ''`
    static let rsa = SSHKeyFixture(
        command: "ssh-keygen -t rsa -b 1024 -N ''",
        privateKey: """
-----BEGIN OPENSSH PRIVATE KEY-----
b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAlwAAAAdzc2gtcn
NhAAAAAwEAAQAAAIEA5LV5wk14Ceu9a7cvxqvpDGZ6iHMJkWWWbStlwfO+j67R2k5zxAlU
ZHckpr0yeFgnco4ObxPw3WdkfnCttZNYQU+EZF3BLu307VWcfwXhvdfzMV1/t73MkMkcVC
SSxGuhDLV2xs1/h6RsbFSrCwGQj/5VugA1QDmXhLpUEByFq58AAAIIhngIx4Z4CMcAAAAH
c3NoLXJzYQAAAIEA5LV5wk14Ceu9a7cvxqvpDGZ6iHMJkWWWbStlwfO+j67R2k5zxAlUZH
ckpr0yeFgnco4ObxPw3WdkfnCttZNYQU+EZF3BLu307VWcfwXhvdfzMV1/t73MkMkcVCSS
xGuhDLV2xs1/h6RsbFSrCwGQj/5VugA1QDmXhLpUEByFq58AAAADAQABAAAAgDJn/MniIQ
6usjTHTvROdzKQc3kXQYiWBy1QX0D744fvU7j1iXYvSDZMO/uzvyfe5fLNdEju8Csb2n4z
f1WBf/WaNcX9savRuk3zmnSP9h/wKDi1YKyFv1gZWVJbThVPd4ZM0YYKurPGpFpHzA78D1
Q8NcCqndNAMJiG9sXgPalhAAAAQQDmhGges+tPItJmAtjkDVQF+I+ex3bihPaVd7OqkNrZ
xwi4+byWlJVJ6du6w2ZUQWypY2MuYwUq171gBeO237hSAAAAQQD9pZ4LmQ/Gj6XjFqMTLF
8+8vxJeWQeZkJ0HXX7kslG5+xHKWxYa7iHAUfIKzIugLXx2LT+TQc3H5WAeQy694YzAAAA
QQDm1KIacIyOA2El8xrJ5YI3lsWajtX0Z4yi0AMDoXe/nOEdssCuxbW1+y8cBPABPn6+ro
8snMIDUmsoST0/muDlAAAAC2ZpeHR1cmUtcnNhAQIDBAUGBw==
-----END OPENSSH PRIVATE KEY-----
""",
        publicKeyLine: "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQDktXnCTXgJ671rty/Gq+kMZnqIcwmRZZZtK2XB876PrtHaTnPECVRkdySmvTJ4WCdyjg5vE/DdZ2R+cK21k1hBT4RkXcEu7fTtVZx/BeG91/MxXX+3vcyQyRxUJJLEa6EMtXbGzX+HpGxsVKsLAZCP/lW6ADVAOZeEulQQHIWrnw== fixture-rsa",
        fingerprint: "SHA256:KYJyDUk8fLhvc9+hxQUxnl7orxGAOXNUJ5i/YwTC+Lc"
    )

    /// `ssh-keygen -t dsa -N ''`
    static let dsa = SSHKeyFixture(
        command: "ssh-keygen -t dsa -N ''",
        privateKey: """
-----BEGIN OPENSSH PRIVATE KEY-----
b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAABsQAAAAdzc2gtZH
NzAAAAgQCyyNUV9dIKCstP7msZrKXJMU0q/BGKVW2dWyn5G2tuWTVsRrKYF0KrakHmjjTA
6mafaoHc+rt9jArNqU8wZSUjqUbDL0K1rs1w/uMyxjx6gY8UWSrggDXtuXsWb8QxEMFCDP
mdxqKW7l/93mlfoOM12zk/E9J282en9OqyH4VzTwAAABUA1lH/gPYPpcUn+vw9gAVR9DAv
JQ0AAACANxI4O64WDTuMEtixyw9HOKOLT6DVzKP1i97PL2bdYP6imGK0A9O9udmxcPQTlx
ah4SUwsDcQDUHjaYPX3Mn2S2Da5vBdDg6HQg4gekWP0RarU5VpuPDerYj4kPm4sPOMjZ7a
ZGSJZ/uT1CtwzcjhKaxbA20IHqsWFDvfwdeYAM4AAACAQCFdCANQlaZrPv9T4FF/zan+En
32JsRLfZdYhZUuqNWuDGh++J/29lw5LlgSBCbPOyRueDIdVKmoccrMXCXLQPR8vI3+SUnk
yiKtG4HygcPYNkJ36MG7eghTthK0Nbg5seIE32Dtw0jbrc9e1+HXSzCv411PWn9gTXkaNh
pdAnkAAAHoa/VnKWv1ZykAAAAHc3NoLWRzcwAAAIEAssjVFfXSCgrLT+5rGaylyTFNKvwR
ilVtnVsp+Rtrblk1bEaymBdCq2pB5o40wOpmn2qB3Pq7fYwKzalPMGUlI6lGwy9Cta7NcP
7jMsY8eoGPFFkq4IA17bl7Fm/EMRDBQgz5ncailu5f/d5pX6DjNds5PxPSdvNnp/Tqsh+F
c08AAAAVANZR/4D2D6XFJ/r8PYAFUfQwLyUNAAAAgDcSODuuFg07jBLYscsPRziji0+g1c
yj9Yvezy9m3WD+ophitAPTvbnZsXD0E5cWoeElMLA3EA1B42mD19zJ9ktg2ubwXQ4Oh0IO
IHpFj9EWq1OVabjw3q2I+JD5uLDzjI2e2mRkiWf7k9QrcM3I4SmsWwNtCB6rFhQ738HXmA
DOAAAAgEAhXQgDUJWmaz7/U+BRf82p/hJ99ibES32XWIWVLqjVrgxofvif9vZcOS5YEgQm
zzskbngyHVSpqHHKzFwly0D0fLyN/klJ5MoirRuB8oHD2DZCd+jBu3oIU7YStDW4ObHiBN
9g7cNI263PXtfh10swr+NdT1p/YE15GjYaXQJ5AAAAFQDN+nsY+waApig4qggtYCIq/0nO
bgAAAAtmaXh0dXJlLWRzYQECAwQFBgc=
-----END OPENSSH PRIVATE KEY-----
""",
        publicKeyLine: "ssh-dss AAAAB3NzaC1kc3MAAACBALLI1RX10goKy0/uaxmspckxTSr8EYpVbZ1bKfkba25ZNWxGspgXQqtqQeaONMDqZp9qgdz6u32MCs2pTzBlJSOpRsMvQrWuzXD+4zLGPHqBjxRZKuCANe25exZvxDEQwUIM+Z3GopbuX/3eaV+g4zXbOT8T0nbzZ6f06rIfhXNPAAAAFQDWUf+A9g+lxSf6/D2ABVH0MC8lDQAAAIA3Ejg7rhYNO4wS2LHLD0c4o4tPoNXMo/WL3s8vZt1g/qKYYrQD07252bFw9BOXFqHhJTCwNxANQeNpg9fcyfZLYNrm8F0ODodCDiB6RY/RFqtTlWm48N6tiPiQ+biw84yNntpkZIln+5PUK3DNyOEprFsDbQgeqxYUO9/B15gAzgAAAIBAIV0IA1CVpms+/1PgUX/Nqf4SffYmxEt9l1iFlS6o1a4MaH74n/b2XDkuWBIEJs87JG54Mh1UqahxysxcJctA9Hy8jf5JSeTKIq0bgfKBw9g2Qnfowbt6CFO2ErQ1uDmx4gTfYO3DSNutz17X4ddLMK/jXU9af2BNeRo2Gl0CeQ== fixture-dsa",
        fingerprint: "SHA256:kdgZ7hgzcF66J6zP4fYP90xU2uJHHQu+opKKmrrH46w"
    )
}
