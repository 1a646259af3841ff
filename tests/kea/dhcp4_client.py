#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""A DHCPv4 client posing as its own relay agent, for what perfdhcp cannot
send: DISCOVER, REQUEST, then optionally DECLINE the address it was given.

usage: dhcp4_client.py SERVER-PORT CLIENT-PORT MAC [--decline] [--rai HEX]

Talks to Kea on 127.0.0.1 as a relay at 127.0.0.1 (giaddr), which Kea
started with -P CLIENT-PORT answers on that port.  Prints the address the
ACK gave; exits 1 if the server did not answer."""
import os
import socket
import struct
import sys

import client_args


def packet(kind, xid, mac, opts):
    """A BOOTREQUEST relayed by 127.0.0.1 with options (code, bytes)."""
    head = struct.pack("!BBBBIHH4s4s4s4s16s64s128s", 1, 1, 6, 1, xid, 0, 0,
                       bytes(4), bytes(4), bytes(4), socket.inet_aton("127.0.0.1"),
                       mac + bytes(10), bytes(64), bytes(128))
    body = b"\x63\x82\x53\x63" + bytes([53, 1, kind, 61, 7, 1]) + mac
    for code, value in opts:
        body += bytes([code, len(value)]) + value
    return head + body + b"\xff"


def options(data):
    out = {}
    i = 240
    while i < len(data) and data[i] != 255:
        if data[i] == 0:
            i += 1
            continue
        out[data[i]] = data[i + 2:i + 2 + data[i + 1]]
        i += 2 + data[i + 1]
    return out


def exchange(sock, server, pkt, xid, want):
    sock.sendto(pkt, server)
    while True:
        data = sock.recv(4096)
        if struct.unpack("!I", data[4:8])[0] == xid and options(data).get(53) == bytes([want]):
            return data


def main():
    ap = client_args.parser()
    ap.add_argument("--rai", default="")
    a = ap.parse_args()

    mac = bytes.fromhex(a.mac.replace(":", ""))
    rai = [(82, bytes.fromhex(a.rai))] if a.rai else []
    server = ("127.0.0.1", a.server_port)
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", a.client_port))
    sock.settimeout(3)
    xid = int.from_bytes(os.urandom(4), "big")
    try:
        offer = exchange(sock, server, packet(1, xid, mac, rai), xid, 2)
        addr = offer[16:20]
        sid = options(offer)[54]
        exchange(sock, server, packet(3, xid, mac, [(50, addr), (54, sid)] + rai), xid, 5)
    except socket.timeout:
        sys.exit("no answer from the server")
    print(socket.inet_ntoa(addr))
    sys.stdout.flush()
    if a.decline:
        sock.sendto(packet(4, xid + 1, mac, [(50, addr), (54, sid)] + rai), server)
    return 0


if __name__ == "__main__":
    sys.exit(main())
