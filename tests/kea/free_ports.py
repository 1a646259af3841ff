#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Print two free UDP ports next to each other ("P P+1"), free on both
127.0.0.1 and ::1: a DHCP server's and the one its test client (perfdhcp)
listens on.  Random, so that tests running at once each find their own."""
import random
import socket
import sys

for _ in range(200):
    port = random.randrange(20000, 60000, 2)
    socks = []
    try:
        for fam, host in ((socket.AF_INET, "127.0.0.1"), (socket.AF_INET6, "::1")):
            for p in (port, port + 1):
                s = socket.socket(fam, socket.SOCK_DGRAM)
                socks.append(s)
                s.bind((host, p))
        print(port, port + 1)
        sys.exit(0)
    except OSError:
        pass
    finally:
        for s in socks:
            s.close()
sys.exit("no two free UDP ports found")
