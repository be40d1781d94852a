#!/usr/bin/env python3
"""How long the intake takes to accept an inquiry with 4 MB of attachments: locally (the
release `naluga-intake` as a server) and through the Lambda emulator (`cargo lambda watch
--release`, a Function URL request whose multipart body the event carries in base64), both
storing to a folder, against a text-only inquiry on the same server.

The file is a PNG of about 4 MB (1150 x 1150, uncompressed), so the answer includes reading
the multipart stream, checking the PNG's structure, rewriting it without metadata, sealing it
with age and writing it once.

    python3 bench/attachment-latency.py [--runs 10]
"""

import argparse
import binascii
import json
import os
import signal
import statistics
import struct
import subprocess
import tempfile
import time
import urllib.request
import uuid
import zlib
from pathlib import Path

from common import free_port, wait_for_port, uuid7

REPO = Path(__file__).resolve().parent.parent
ORIGIN = "https://www.naluga.test"


def png(side):
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", binascii.crc32(kind + data))
    rows = b"".join(b"\0" + bytes((x + y) % 256 for x in range(side * 3)) for y in range(side))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows, 0)) + chunk(b"IEND", b""))


def fields():
    return {
        "submission_id": uuid7(), "locale": "en", "name": "Bench", "email": "bench@example.com",
        "toy_type": "plush", "requirements": "A 25 cm plush bear for a benchmark.", "quantity": "500",
        "delivery_date": time.strftime("%Y-%m-%d", time.gmtime(time.time() + 90 * 86400)),
        "consent_privacy": "true", "policy_version": "1.0", "age_statement": "adult",
    }


def multipart(file):
    boundary = "----naluga-bench-" + uuid.uuid4().hex
    body = b""
    for name, value in fields().items():
        body += f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
    body += (f'--{boundary}\r\nContent-Disposition: form-data; name="attachments"; filename="sketch.png"\r\n'
             "Content-Type: image/png\r\n\r\n").encode() + file + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def post(url, body, content_type):
    request = urllib.request.Request(url, data=body, headers={
        "content-type": content_type, "accept": "application/json", "origin": ORIGIN})
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=60) as answer:
        assert answer.status == 201, answer.status
    return (time.perf_counter() - started) * 1000


def measure(url, file, runs):
    text = [post(url, json.dumps({**fields(), "consent_privacy": True, "quantity": 500}).encode(),
                 "application/json") for _ in range(runs)]
    files = [post(url, *multipart(file)) for _ in range(runs)]
    return statistics.median(text), statistics.median(files)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    subprocess.run(["cargo", "build", "--release", "--quiet", "-p", "intake", "--bin", "naluga-intake",
                    "--bin", "naluga-inquiries"], cwd=REPO, check=True)
    target = Path(os.environ.get("CARGO_TARGET_DIR", REPO / "target")) / "release"
    file = png(1150)
    with tempfile.TemporaryDirectory() as work:
        recipient = subprocess.run([str(target / "naluga-inquiries"), "keygen", "--output", f"{work}/key.txt"],
                                   check=True, capture_output=True, text=True).stdout.strip()
        env = {"NALUGA_RECIPIENTS": recipient, "NALUGA_DATA_DIR": f"{work}/data",
               "NALUGA_ALLOWED_ORIGINS": ORIGIN, "NALUGA_SITE_URL": ORIGIN, "RUST_LOG": "warn",
               # One address sending many inquiries: no rate limit here.
               "NALUGA_RATE_BURST": "0"}
        port = free_port()
        server = subprocess.Popen([str(target / "naluga-intake")], env={**os.environ, **env,
                                  "NALUGA_LISTEN": f"127.0.0.1:{port}"}, stdout=subprocess.DEVNULL)
        try:
            wait_for_port(port, 20)
            local = measure(f"http://127.0.0.1:{port}/inquiries", file, args.runs)
        finally:
            server.terminate()
            server.wait()
        port = free_port()
        command = ["cargo", "lambda", "watch", "--release", "-p", "intake", "--bin", "naluga-intake",
                   "-A", "127.0.0.1", "-P", str(port)]
        for name, value in env.items():
            command += ["--env-var", f"{name}={value}"]
        watch = subprocess.Popen(command, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                 start_new_session=True)
        try:
            wait_for_port(port, 120)
            url = f"http://127.0.0.1:{port}/lambda-url/naluga-intake/inquiries"
            post(url, json.dumps({**fields(), "consent_privacy": True, "quantity": 500}).encode(), "application/json")
            emulator = measure(url, file, args.runs)
        finally:
            os.killpg(watch.pid, signal.SIGTERM)
            watch.wait()
    print(f"attachment: a {len(file) / 1e6:.2f} MB PNG; median of {args.runs} answers each")
    print(f"{'':28} {'text only':>10} {'with the file':>14}")
    print(f"{'local server (release)':28} {local[0]:8.1f} ms {local[1]:11.1f} ms")
    print(f"{'Lambda emulator (release)':28} {emulator[0]:8.1f} ms {emulator[1]:11.1f} ms")


if __name__ == "__main__":
    main()
