#!/usr/bin/env python3
"""Load with faults: nothing lost, nothing stored twice, nothing half-written.

Sends N distinct inquiries at a given concurrency to the real `naluga-intake`, while faults
are injected, with clients that resend exactly as the site's form does (the same body, so the
same `submission_id`) after a 503 or a lost answer. Afterwards every inquiry must exist as
exactly one object that the stock `age` decrypts to what was sent, with no other object.

    python3 bench/load-faults.py                        # the full run: 5,000 at 64, s3s-fs killed 3 times
    python3 bench/load-faults.py --inquiries 300 --kills 1          # what scripts/test runs
    python3 bench/load-faults.py --via lambda --kill intake --inquiries 500 --kills 2

--via local     the local server storing to s3s-fs (an S3-protocol server, configured as for R2)
--via lambda    the same binary under the Lambda emulator (`cargo lambda watch --only-lambda-apis`:
                its runtime API and Function URL), storing to s3s-fs
--kill s3       SIGKILL the S3 server mid-run and start it again on the same data
--kill intake   SIGKILL the intake's process mid-run; the local server is started again, and the
                emulator too (it does not replace a dead function as Lambda does)

Needs s3s-fs, age and (for --via lambda) cargo-lambda: scripts/setup installs them. Uses the
debug binaries unless --release.
"""

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import http.client
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from common import free_port, wait_for_port, uuid7

REPO = Path(__file__).resolve().parent.parent
KEY, SECRET, BUCKET = "load-key", "load-secret-0123456789", "naluga-inquiries"
ORIGIN = "https://www.naluga.test"


def inquiry(i):
    return {
        "submission_id": uuid7(), "locale": ["en", "zh", "es"][i % 3],
        "name": f"Load Test {i}", "email": f"load{i}@example.com",
        "toy_type": ["plush", "vinyl", "plastic", "wooden", "electronic"][i % 5],
        "requirements": f"Inquiry number {i} of the load test: a toy, {10 + i % 40} cm.",
        "quantity": 100 + i, "consent_privacy": True, "policy_version": "1.0", "age_statement": "adult",
        "delivery_date": time.strftime("%Y-%m-%d", time.gmtime(time.time() + 120 * 86400)),
    }


class S3:
    """s3s-fs on a fixed port over a folder, which can be killed and started again."""

    def __init__(self, root):
        self.root, self.port, self.process = root, free_port(), None
        (root / BUCKET).mkdir(parents=True)

    def start(self):
        self.process = subprocess.Popen(
            ["s3s-fs", "--host", "127.0.0.1", "--port", str(self.port), "--access-key", KEY,
             "--secret-key", SECRET, str(self.root)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        wait_for_port(self.port, 20)

    def kill(self):
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()


class Intake:
    """The intake, as a local server or under the Lambda emulator."""

    def __init__(self, args, recipient, s3_port, target):
        self.args, self.port, self.process, self.function = args, free_port(), None, None
        self.binary = target / ("release" if args.release else "debug") / "naluga-intake"
        self.env = {
            "NALUGA_RECIPIENTS": recipient, "NALUGA_BUCKET": BUCKET,
            "NALUGA_S3_ENDPOINT": f"http://127.0.0.1:{s3_port}", "NALUGA_S3_PATH_STYLE": "true",
            "NALUGA_S3_ACCESS_KEY_ID": KEY, "NALUGA_S3_SECRET_ACCESS_KEY": SECRET,
            "NALUGA_S3_REGION": "auto", "NALUGA_S3_TIMEOUT_SECONDS": "3",
            "NALUGA_ALLOWED_ORIGINS": ORIGIN, "NALUGA_SITE_URL": ORIGIN,
            # A load test is a burst from one address, sent at machine speed.
            "NALUGA_RATE_BURST": "0", "NALUGA_MIN_FILL_MS": "0", "RUST_LOG": "warn",
        }

    @property
    def path(self):
        return "/lambda-url/naluga-intake/inquiries" if self.args.via == "lambda" else "/inquiries"

    def start(self):
        if self.args.via == "local":
            env = {**os.environ, **self.env, "NALUGA_LISTEN": f"127.0.0.1:{self.port}"}
            env.pop("AWS_LAMBDA_RUNTIME_API", None)
            self.process = subprocess.Popen([str(self.binary)], env=env, stdout=subprocess.DEVNULL,
                                            stderr=subprocess.DEVNULL, start_new_session=True)
        else:
            # The emulator serves the runtime API and the Function URL only; the function is
            # the binary built above, started as Lambda starts a custom runtime (letting the
            # emulator build it with `-p intake` would compile much again).
            command = ["cargo", "lambda", "watch", "--only-lambda-apis",
                       "-A", "127.0.0.1", "-P", str(self.port)]
            self.process = subprocess.Popen(command, cwd=REPO, stdout=subprocess.DEVNULL,
                                            stderr=subprocess.DEVNULL, start_new_session=True)
            wait_for_port(self.port, 600)
            env = {**os.environ, **self.env,
                   "AWS_LAMBDA_RUNTIME_API": f"http://127.0.0.1:{self.port}/.rt/naluga-intake",
                   "AWS_LAMBDA_FUNCTION_NAME": "naluga-intake", "AWS_LAMBDA_FUNCTION_VERSION": "1",
                   "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "4096"}
            self.function = subprocess.Popen([str(self.binary)], env=env, stdout=subprocess.DEVNULL,
                                             stderr=subprocess.DEVNULL, start_new_session=True)
        wait_for_port(self.port, 600)

    def kill_function(self):
        """SIGKILL the intake's own process (under the emulator: the function's)."""
        if self.args.via == "local":
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
            self.start()
        else:
            # The function's process, as a crash would end it.
            if self.function.poll() is not None:
                raise SystemExit("no function process to kill under the emulator")
            os.killpg(self.function.pid, signal.SIGKILL)
            self.function.wait()
            # AWS Lambda replaces a dead execution environment; the emulator does not (it keeps
            # routing to the dead runtime), so it is started again on the same port, which
            # also drops the requests that were in flight.
            time.sleep(0.2)
            self.stop()
            self.start()

    def stop(self):
        for process in [self.function, self.process]:
            if process and process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait()


def send(intake, body, give_up):
    """Sends until an answer: the same body again after a 503 or a lost answer, as the form's
    script does when its visitor sends again. Returns (seconds, resends, id or None)."""
    started, resends = time.monotonic(), 0
    data = json.dumps(body).encode()
    while True:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", intake.port, timeout=15)
            connection.request("POST", intake.path, body=data, headers={
                "content-type": "application/json", "origin": ORIGIN})
            answer = connection.getresponse()
            text = answer.read()
            connection.close()
            if answer.status == 201:
                return time.monotonic() - started, resends, json.loads(text)["id"]
            if answer.status not in (502, 503, 504):
                raise SystemExit(f"unexpected answer {answer.status}: {text[:200]!r}")
        except (OSError, http.client.HTTPException):
            pass
        resends += 1
        if time.monotonic() - started > give_up:
            return time.monotonic() - started, resends, None
        time.sleep(min(0.1 * resends, 1.0))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inquiries", type=int, default=5000)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--kills", type=int, default=3)
    parser.add_argument("--kill", choices=["s3", "intake"], default="s3")
    parser.add_argument("--via", choices=["local", "lambda"], default="local")
    parser.add_argument("--release", action="store_true")
    args = parser.parse_args()
    target = Path(os.environ.get("CARGO_TARGET_DIR", REPO / "target"))
    # Debug: the workspace's own build (what `cargo test --workspace` made, so nothing is
    # compiled again); release: the intake's binaries alone.
    build = ["cargo", "build", "--quiet", "--locked", "--workspace"]
    if args.release:
        build = ["cargo", "build", "--quiet", "--locked", "--release", "-p", "intake",
                 "--bin", "naluga-intake", "--bin", "naluga-inquiries"]
    subprocess.run(build, cwd=REPO, check=True)
    profile = "release" if args.release else "debug"

    with tempfile.TemporaryDirectory() as work:
        work = Path(work)
        identity = work / "key.txt"
        recipient = subprocess.run([str(target / profile / "naluga-inquiries"), "keygen", "--output", str(identity)],
                                   capture_output=True, text=True, check=True).stdout.strip()
        s3 = S3(work / "s3")
        s3.start()
        intake = Intake(args, recipient, s3.port, target)
        intake.start()
        sent = [inquiry(i) for i in range(args.inquiries)]
        done = [0]
        lock = threading.Lock()
        results = []

        def one(body):
            result = send(intake, body, give_up=180)
            with lock:
                done[0] += 1
                results.append((body, result))

        def inject():
            # Faults at even points of the run; each kill lasts about a second.
            for k in range(args.kills):
                mark = args.inquiries * (k + 1) // (args.kills + 1)
                while done[0] < mark:
                    time.sleep(0.01)
                if args.kill == "s3":
                    s3.kill()
                    time.sleep(1.0)
                    s3.start()
                else:
                    intake.kill_function()
                print(f"  killed {args.kill} after {done[0]} answers", flush=True)

        failures = []

        def inject_or_fail():
            try:
                inject()
            except BaseException as e:  # noqa: BLE001 - reported after the run
                failures.append(e)

        started = time.monotonic()
        injector = threading.Thread(target=inject_or_fail)
        injector.start()
        try:
            with ThreadPoolExecutor(args.concurrency) as pool:
                list(pool.map(one, sent))
            injector.join()
            if failures:
                sys.exit(f"the fault injection failed: {failures[0]}")
        finally:
            elapsed = time.monotonic() - started
            intake.stop()
            s3.kill()

        # What the bucket holds: every object, decrypted by the stock tool.
        bucket = work / "s3" / BUCKET
        objects = sorted(p for p in bucket.rglob("*") if p.is_file())
        by_id, stray, unreadable = {}, [], []
        for path in objects:
            key = path.relative_to(bucket).as_posix()
            if key == "recipients.txt":
                # The deployment's recipient list, published by the first inquiry stored.
                continue
            parts = key.split("/")
            if len(parts) != 5 or parts[0] != "inquiries" or not parts[4].endswith(".age"):
                stray.append(key)
                continue
            decrypted = subprocess.run(["age", "--decrypt", "-i", str(identity), str(path)], capture_output=True)
            if decrypted.returncode != 0:
                unreadable.append(key)
                continue
            record = json.loads(decrypted.stdout)
            by_id.setdefault(record["id"], []).append(record)
        lost = [b for b, (_, _, answered) in results if answered is None or b["submission_id"] not in by_id]
        duplicated = [i for i, records in by_id.items() if len(records) > 1]
        expected = {b["submission_id"] for b in sent}
        unexpected = [i for i in by_id if i not in expected]
        different = []
        for body in sent:
            for record in by_id.get(body["submission_id"], []):
                for field in ["name", "email", "toy_type", "requirements", "quantity", "locale"]:
                    if record[field] != body[field]:
                        different.append((body["submission_id"], field))
        times = sorted(t for _, (t, _, _) in results)
        resends = sum(r for _, (_, r, _) in results)
        print(f"{args.inquiries} inquiries at concurrency {args.concurrency} via {args.via}, "
              f"{args.kills} x {args.kill} killed, in {elapsed:.1f} s")
        print(f"  stored: {len(by_id)}; lost: {len(lost)}; duplicated: {len(duplicated)}; stray objects: "
              f"{len(stray)}; unreadable: {len(unreadable)}; not as sent: {len(different)}; unexpected: {len(unexpected)}")
        print(f"  answer time p50 {statistics.median(times) * 1000:.0f} ms, "
              f"p99 {times[max(0, int(len(times) * 0.99) - 1)] * 1000:.0f} ms, max {times[-1] * 1000:.0f} ms; resends: {resends}")
        if lost or duplicated or stray or unreadable or different or unexpected or len(by_id) != args.inquiries:
            print(f"FAILED: lost {lost[:3]} duplicated {duplicated[:3]} stray {stray[:3]} "
                  f"unreadable {unreadable[:3]} different {different[:3]}", file=sys.stderr)
            sys.exit(1)


if __name__ == "__main__":
    main()
