#!/usr/bin/env python3
"""How soon the staff inbox shows its first page with many inquiries, from a folder and from an
S3-protocol server.

    python3 bench/inbox-load.py [--inquiries 10000] [--runs 3] [--debug]

Stores INQUIRIES inquiries through the intake (a release `naluga-intake` on a folder store,
sent 16 at a time), then starts `naluga-inquiries inbox` (release) RUNS times on that folder and
RUNS times on s3s-fs serving a copy of it, and times each from starting the process to the
first page of the list received in full (the inbox reads the newest first and serves them, then
reads the rest in the background), and until every inquiry is read (the list stops saying it is
still reading). Prints the median, best and worst of each, and what the inbox said. Needs s3s-fs (`cargo install s3s-fs --version 0.14.1 --features binary --locked`).
"""
import argparse
import http.client
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from common import free_port, wait_for_port, uuid7

REPO = Path(__file__).resolve().parent.parent
KEY, SECRET, BUCKET = "inbox-key", "inbox-secret-0123456789", "naluga-inbox"
ORIGIN = "https://www.naluga.test"
TOYS = ["plush", "vinyl", "plastic", "wooden", "electronic"]


def inquiry(i):
    return {
        "submission_id": uuid7(), "locale": ["en", "zh", "es"][i % 3],
        "name": f"Inbox Bench {i}", "email": f"bench{i}@example.com",
        "company": f"Company {i % 97}", "toy_type": TOYS[i % 5],
        "requirements": f"Inquiry number {i}: a toy of {10 + i % 40} cm, in {1 + i % 4} colours.",
        "quantity": 100 + i, "consent_privacy": True, "consent_marketing": i % 2 == 0,
        "policy_version": "1.0", "age_statement": "adult",
        "delivery_date": time.strftime("%Y-%m-%d", time.gmtime(time.time() + 120 * 86400)),
    }


def post(port, body):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("POST", "/inquiries", body=json.dumps(body).encode(),
                       headers={"content-type": "application/json", "origin": ORIGIN})
    answer = connection.getresponse()
    text = answer.read()
    connection.close()
    if answer.status != 201:
        sys.exit(f"the intake answered {answer.status}: {text[:200]!r}")


def first_page(tool, store_args, identity, env):
    """Starts the inbox; returns (seconds to the first page, what it said on stderr)."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [str(tool), *store_args, "--identity", str(identity), "inbox", "--no-open", "--port", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**os.environ, **env},
        start_new_session=True)
    try:
        address = None
        for line in process.stdout:
            found = re.match(r"inbox on http://127\.0\.0\.1:(\d+)/\?token=([0-9a-f]+)", line)
            if found:
                address = (int(found[1]), found[2])
                break
        if not address:
            sys.exit(f"the inbox did not start: {process.stderr.read()}")
        port, token = address
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        connection.request("GET", f"/?token={token}", headers={"host": f"127.0.0.1:{port}"})
        answer = connection.getresponse()
        answer.read()
        cookie = answer.getheader("set-cookie").split(";")[0]
        connection.request("GET", "/", headers={"host": f"127.0.0.1:{port}", "cookie": cookie})
        answer = connection.getresponse()
        page = answer.read().decode()
        elapsed = time.perf_counter() - started
        rows = page.count("<tr class=\"new\">") + page.count("<tr>") - 1
        if answer.status != 200 or rows < 1:
            sys.exit(f"the first page was not a list ({answer.status}, {rows} rows)")
        # Then until every inquiry is read (the list says how far while it reads).
        while "class=\"notice\" role=\"status\">正在读取" in page:
            time.sleep(0.05)
            connection.request("GET", "/", headers={"host": f"127.0.0.1:{port}", "cookie": cookie})
            page = connection.getresponse().read().decode()
        complete = time.perf_counter() - started
        total = re.search(r"(\d+) 条符合", page)
        return elapsed, rows, complete, int(total[1]) if total else 0
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        said = process.stderr.read()
        process.wait()
        first_page.said = said.strip()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inquiries", type=int, default=10000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--debug", action="store_true",
                        help="the debug binaries (as the test command runs it, small, to keep it working)")
    args = parser.parse_args()
    profile = "debug" if args.debug else "release"
    target = Path(os.environ.get("CARGO_TARGET_DIR", REPO / "target")) / profile
    # Debug: the workspace's own build (what `cargo test --workspace` made, so nothing is
    # rebuilt: `-p intake` alone would resolve other features and compile much again).
    build = (["cargo", "build", "--quiet", "--locked", "--workspace"] if args.debug else
             ["cargo", "build", "--quiet", "--locked", "--release", "-p", "intake",
              "--bin", "naluga-intake", "--bin", "naluga-inquiries"])
    subprocess.run(build, cwd=REPO, check=True)
    tool = target / "naluga-inquiries"
    work = Path(tempfile.mkdtemp(prefix="naluga-inbox-bench-"))
    try:
        identity = work / "staff-key.txt"
        recipient = subprocess.run([str(tool), "keygen", "--output", str(identity)], check=True,
                                   capture_output=True, text=True).stdout.strip()
        store = work / "store"
        port = free_port()
        intake = subprocess.Popen([str(target / "naluga-intake")], env={
            **os.environ, "NALUGA_RECIPIENTS": recipient, "NALUGA_DATA_DIR": str(store),
            "NALUGA_LISTEN": f"127.0.0.1:{port}", "NALUGA_ALLOWED_ORIGINS": ORIGIN,
            "NALUGA_SITE_URL": ORIGIN, "NALUGA_RATE_BURST": "0", "NALUGA_MIN_FILL_MS": "0",
            "RUST_LOG": "warn"}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True)
        try:
            wait_for_port(port, 60)
            started = time.perf_counter()
            with ThreadPoolExecutor(16) as pool:
                list(pool.map(lambda i: post(port, inquiry(i)), range(args.inquiries)))
            print(f"stored {args.inquiries} inquiries through the intake in "
                  f"{time.perf_counter() - started:.1f} s; {os.cpu_count()} CPUs")
        finally:
            os.killpg(intake.pid, signal.SIGTERM)
            intake.wait()

        results = {}
        times = [first_page(tool, ["--store", str(store)], identity, {}) for _ in range(args.runs)]
        results["folder"] = (times, first_page.said)

        root = work / "s3"
        shutil.copytree(store, root / BUCKET)
        s3_port = free_port()
        s3 = subprocess.Popen(["s3s-fs", "--host", "127.0.0.1", "--port", str(s3_port), "--access-key", KEY,
                               "--secret-key", SECRET, str(root)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        try:
            wait_for_port(s3_port, 20)
            env = {"AWS_ACCESS_KEY_ID": KEY, "AWS_SECRET_ACCESS_KEY": SECRET, "AWS_REGION": "auto",
                   "AWS_PROFILE": ""}
            store_args = ["--store", f"s3://{BUCKET}", "--endpoint-url", f"http://127.0.0.1:{s3_port}"]
            times = [first_page(tool, store_args, identity, env) for _ in range(args.runs)]
            results["s3s-fs"] = (times, first_page.said)
        finally:
            os.killpg(s3.pid, signal.SIGKILL)
            s3.wait()

        print()
        print("| store | first page: median | best | worst | all read: median | inquiries listed |")
        print("|---|---:|---:|---:|---:|---:|")
        for name, (times, said) in results.items():
            seconds = [t[0] for t in times]
            complete = [t[2] for t in times]
            print(f"| {name} | {statistics.median(seconds) * 1000:,.0f} ms | {min(seconds) * 1000:,.0f} ms "
                  f"| {max(seconds) * 1000:,.0f} ms | {statistics.median(complete) * 1000:,.0f} ms | {times[0][3]:,} |")
            print(f"  the inbox said: {'; '.join(said.splitlines())}")
            if any(t[3] != args.inquiries for t in times):
                sys.exit(f"the {name} inbox listed {[t[3] for t in times]}, not {args.inquiries}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
