#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""A DHCPv6 client behind a relay agent, both played here, for what perfdhcp
cannot send: the relay's interface-id, remote-id and subscriber-id, and a
DECLINE.  SOLICIT and REQUEST one address (IA_NA, IAID 1) inside
RELAY-FORW messages from link ::1, then optionally DECLINE it.

usage: dhcp6_client.py SERVER-PORT CLIENT-PORT MAC [--decline]
           [--interface-id TEXT] [--remote-id HEX] [--subscriber-id TEXT]

The client's DUID is a DUID-LL of MAC.  Prints the address the REPLY gave;
exits 1 if the server did not answer."""
import os
import socket
import struct
import sys

import client_args

SOLICIT, ADVERTISE, REQUEST, REPLY, DECLINE, RELAY_FORW, RELAY_REPL = 1, 2, 3, 7, 9, 12, 13


def opt(code, value):
    return struct.pack("!HH", code, len(value)) + value


def options(data):
    out = {}
    i = 0
    while i + 4 <= len(data):
        code, n = struct.unpack("!HH", data[i:i + 4])
        out.setdefault(code, data[i + 4:i + 4 + n])
        i += 4 + n
    return out


def main():
    ap = client_args.parser()
    ap.add_argument("--interface-id", default="")
    ap.add_argument("--remote-id", default="")
    ap.add_argument("--subscriber-id", default="")
    a = ap.parse_args()

    duid = b"\x00\x03\x00\x01" + bytes.fromhex(a.mac.replace(":", ""))
    relay_opts = b""
    if a.interface_id:
        relay_opts += opt(18, a.interface_id.encode())
    if a.remote_id:
        relay_opts += opt(37, bytes.fromhex(a.remote_id))
    if a.subscriber_id:
        relay_opts += opt(38, a.subscriber_id.encode())
    server = ("::1", a.server_port)
    sock = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    sock.bind(("::1", a.client_port))
    sock.settimeout(3)

    def send(kind, ia_body, extra=b""):
        xid = os.urandom(3)
        msg = bytes([kind]) + xid + opt(1, duid) + opt(8, b"\x00\x00") + extra + \
            opt(3, struct.pack("!III", 1, 0, 0) + ia_body)
        relayed = bytes([RELAY_FORW, 0]) + socket.inet_pton(socket.AF_INET6, "::1") + \
            socket.inet_pton(socket.AF_INET6, "fe80::5e00:5321") + relay_opts + opt(9, msg)
        sock.sendto(relayed, server)
        return xid

    def answer(xid, want):
        while True:
            data = sock.recv(4096)
            if data[0] != RELAY_REPL:
                continue
            inner = options(data[34:]).get(9, b"")
            if len(inner) > 4 and inner[0] == want and inner[1:4] == xid:
                return options(inner[4:])

    try:
        adv = answer(send(SOLICIT, b""), ADVERTISE)
        sid = adv[2]
        addr = options(adv[3][12:])[5][:16]
        iaaddr = opt(5, addr + struct.pack("!II", 0, 0))
        answer(send(REQUEST, iaaddr, opt(2, sid)), REPLY)
        if a.decline:
            answer(send(DECLINE, iaaddr, opt(2, sid)), REPLY)
    except (socket.timeout, KeyError):
        sys.exit("no answer, or no address, from the server")
    print(socket.inet_ntop(socket.AF_INET6, addr))
    return 0


if __name__ == "__main__":
    sys.exit(main())
