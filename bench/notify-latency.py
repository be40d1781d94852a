#!/usr/bin/env python3
"""What a staff notification costs the visitor: the intake's answer time with no channel, and
with a chat webhook that answers at once, after 50 ms (about a round trip from an AWS region in
Asia to a chat platform's servers), or never (the 2 s budget).

The intake (the release `naluga-intake`, as a local server storing to a folder) runs the same
service as under Lambda, where the notification is also finished before the answer. Inquiries
are sent one after the other, so each answer time is one visitor's wait.

    python3 bench/notify-latency.py [--count 200]

Builds the release binary first (`cargo build --release -p intake --bin naluga-intake`).
"""

import argparse
import http.server
import json
import os
import socket
import statistics
import subprocess
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

from common import uuid7

REPO = Path(__file__).resolve().parent.parent


class Receiver(http.server.ThreadingHTTPServer):
    delay = 0.0
    calls = 0


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.server.calls += 1
        time.sleep(self.server.delay)
        self.send_response(204)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def inquiry():
    return json.dumps({
        "submission_id": uuid7(), "locale": "en", "name": "Bench", "email": "bench@example.com",
        "toy_type": "plush", "requirements": "A 25 cm plush bear for a benchmark.",
        "quantity": 500, "delivery_date": time.strftime("%Y-%m-%d", time.gmtime(time.time() + 90 * 86400)),
        "consent_privacy": True, "policy_version": "1.0", "age_statement": "adult",
    }).encode()


def measure(binary, recipient, count, env_extra):
    with tempfile.TemporaryDirectory() as data:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        env = dict(os.environ, NALUGA_RECIPIENTS=recipient, NALUGA_DATA_DIR=data,
                   NALUGA_LISTEN=f"127.0.0.1:{port}", RUST_LOG="warn",
                   # One address sending hundreds of inquiries: no rate limit here.
                   NALUGA_RATE_BURST="0", **env_extra)
        env.pop("AWS_LAMBDA_RUNTIME_API", None)
        server = subprocess.Popen([binary], env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        server.stdout.readline()
        times = []
        try:
            for _ in range(count):
                request = urllib.request.Request(
                    f"http://127.0.0.1:{port}/inquiries", data=inquiry(),
                    headers={"content-type": "application/json"})
                started = time.perf_counter()
                with urllib.request.urlopen(request) as answer:
                    assert answer.status == 201
                times.append((time.perf_counter() - started) * 1000)
        finally:
            server.terminate()
            server.wait()
        times.sort()
        return statistics.median(times), times[int(len(times) * 0.99) - 1]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=200)
    args = parser.parse_args()
    subprocess.run(["cargo", "build", "--release", "--quiet", "-p", "intake", "--bin", "naluga-intake"],
                   cwd=REPO, check=True)
    target = Path(os.environ.get("CARGO_TARGET_DIR", REPO / "target"))
    binary = str(target / "release" / "naluga-intake")
    tool = str(target / "release" / "naluga-inquiries")
    if not Path(tool).exists():
        subprocess.run(["cargo", "build", "--release", "--quiet", "-p", "intake", "--bin", "naluga-inquiries"],
                       cwd=REPO, check=True)
    with tempfile.TemporaryDirectory() as keys:
        recipient = subprocess.run([tool, "keygen", "--output", f"{keys}/key.txt"], check=True,
                                   capture_output=True, text=True).stdout.strip()
    receiver = Receiver(("127.0.0.1", 0), Handler)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    hook = {
        "NALUGA_NOTIFY_WEBHOOK_URL": f"http://127.0.0.1:{receiver.server_port}/hook",
        "NALUGA_NOTIFY_WEBHOOK_FORMAT": "json",
        "NALUGA_NOTIFY_WEBHOOK_SECRET": "bench-secret",
    }
    rows = [("no notification", {}, 0.0, args.count),
            ("webhook answering at once", hook, 0.0, args.count),
            ("webhook answering after 50 ms", hook, 0.05, args.count),
            ("webhook never answering", hook, 30.0, 5)]
    print(f"{'':32} {'p50 ms':>8} {'p99 ms':>8}  inquiries")
    for name, env, delay, count in rows:
        receiver.delay = delay
        p50, p99 = measure(binary, recipient, count, env)
        print(f"{name:32} {p50:8.1f} {p99:8.1f}  {count}")


if __name__ == "__main__":
    main()
