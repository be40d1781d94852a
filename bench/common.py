"""What the benchmark and load scripts share: free ports, waiting for a server, and the form's
UUID v7 submission ids."""

import os
import socket
import sys
import time
import uuid


def free_port():
    """A port nothing listens on now, on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port, seconds):
    """Returns once something listens on `port`; stops the script after `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    sys.exit(f"nothing listens on port {port} after {seconds} s")


def uuid7():
    """A UUID version 7, as the site's form makes its `submission_id` (RFC 9562)."""
    raw = bytearray(os.urandom(16))
    raw[0:6] = int(time.time() * 1000).to_bytes(6, "big")
    raw[6] = (raw[6] & 0x0F) | 0x70
    raw[8] = (raw[8] & 0x3F) | 0x80
    return str(uuid.UUID(bytes=bytes(raw)))
