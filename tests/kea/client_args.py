# SPDX-License-Identifier: GPL-3.0-or-later
"""The arguments dhcp4_client.py and dhcp6_client.py share."""
import argparse


def parser():
    """SERVER-PORT CLIENT-PORT MAC [--decline]; callers add their own."""
    ap = argparse.ArgumentParser()
    ap.add_argument("server_port", type=int, help="the port Kea listens on (-p)")
    ap.add_argument("client_port", type=int, help="the port Kea answers to (-P)")
    ap.add_argument("mac", help="the client's MAC address")
    ap.add_argument("--decline", action="store_true", help="decline the address given")
    return ap
