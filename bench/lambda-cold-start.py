#!/usr/bin/env python3
"""Cold start of the intake under the Lambda emulator: process start to first answer.

For each round, `cargo lambda watch --release` (the emulator from PyPI's cargo-lambda) is
started afresh, so the first `cargo lambda invoke` of the committed Function URL event spawns
the function's process (as a cold Lambda does), which initialises, connects its store (s3s-fs,
configured as for Cloudflare R2) and answers. A second invoke is a warm one. The emulator and the
invoke command add the same overhead to both, so `cold - warm` is the function's own start.

    python3 bench/lambda-cold-start.py [--rounds 7] [--repo CHECKOUT]

`--repo` measures another checkout of the repository (an older commit, for a before/after).

Needs s3s-fs and cargo-lambda (scripts/setup installs both). Builds the release binary first.
"""

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import free_port, wait_for_port

REPO = Path(__file__).resolve().parent.parent
KEY, SECRET, BUCKET = "bench-key", "bench-secret-0123456789", "naluga-inquiries"


def stop(process):
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=10)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        os.killpg(process.pid, signal.SIGKILL)


def invoke(port, event):
    started = time.monotonic()
    out = subprocess.run(
        ["cargo", "lambda", "invoke", "naluga-intake", "--data-file", str(event),
         "-A", "127.0.0.1", "-P", str(port), "--output-format", "json"],
        cwd=REPO, capture_output=True, text=True, check=True,
    ).stdout
    took = (time.monotonic() - started) * 1000
    status = json.loads(out)["statusCode"]
    if status != 303:
        sys.exit(f"the function answered {status}: {out}")
    return took


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--repo", type=Path, default=REPO)
    args = parser.parse_args()
    repo = args.repo.resolve()
    event = repo / "intake" / "tests" / "fixtures" / "events" / "function-url-form.json"
    for tool in ["cargo-lambda", "s3s-fs", "age-keygen"]:
        if not shutil.which(tool):
            sys.exit(f"{tool} is missing: run scripts/setup")
    subprocess.run(["cargo", "build", "--release", "--locked", "-p", "intake", "--bin", "naluga-intake"],
                   cwd=repo, check=True)
    target = Path(os.environ.get("CARGO_TARGET_DIR", repo / "target"))
    binary = target / "release" / "naluga-intake"
    with tempfile.TemporaryDirectory() as work:
        stripped = Path(work) / "stripped"
        subprocess.run(["strip", "-o", str(stripped), str(binary)], check=True)
        key = subprocess.run(["age-keygen"], capture_output=True, text=True, check=True)
        recipient = next(l.split(": ")[1] for l in key.stderr.splitlines() + key.stdout.splitlines()
                         if l.startswith("Public key") or l.startswith("# public key"))
        (Path(work) / "s3" / BUCKET).mkdir(parents=True)
        s3_port = free_port()
        s3 = subprocess.Popen(
            ["s3s-fs", "--host", "127.0.0.1", "--port", str(s3_port), "--access-key", KEY,
             "--secret-key", SECRET, str(Path(work) / "s3")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        wait_for_port(s3_port, 20)
        env = {
            "NALUGA_RECIPIENTS": recipient, "NALUGA_BUCKET": BUCKET,
            "NALUGA_S3_ENDPOINT": f"http://127.0.0.1:{s3_port}", "NALUGA_S3_PATH_STYLE": "true",
            "NALUGA_S3_ACCESS_KEY_ID": KEY, "NALUGA_S3_SECRET_ACCESS_KEY": SECRET,
            "NALUGA_S3_REGION": "auto", "NALUGA_ALLOWED_ORIGINS": "https://www.naluga.test",
            "NALUGA_SITE_URL": "https://www.naluga.test", "AWS_REGION": "ap-east-1",
        }
        cold, warm = [], []
        try:
            for _ in range(args.rounds):
                port = free_port()
                command = ["cargo", "lambda", "watch", "--release", "-p", "intake", "--bin",
                           "naluga-intake", "-A", "127.0.0.1", "-P", str(port)]
                for name, value in env.items():
                    command += ["--env-var", f"{name}={value}"]
                watch = subprocess.Popen(command, cwd=repo, stdout=subprocess.DEVNULL,
                                         stderr=subprocess.DEVNULL, start_new_session=True)
                try:
                    wait_for_port(port, 60)
                    cold.append(invoke(port, event))
                    warm.append(invoke(port, event))
                finally:
                    stop(watch)
        finally:
            stop(s3)
        size = stripped.stat().st_size
    median_cold, median_warm = statistics.median(cold), statistics.median(warm)
    print(f"naluga-intake (x86_64 release, stripped): {size / 1e6:.1f} MB")
    print(f"first answer, cold (median of {args.rounds}): {median_cold:.0f} ms "
          f"(runs: {', '.join(f'{t:.0f}' for t in cold)})")
    print(f"first answer, warm (median of {args.rounds}): {median_warm:.0f} ms")
    print(f"the function's own start (cold - warm): {median_cold - median_warm:.0f} ms")


if __name__ == "__main__":
    main()
