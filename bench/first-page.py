#!/usr/bin/env python3
"""Time from a fresh clone to the first page of the README's first command.

    python3 bench/first-page.py [--rev HEAD] [--command "cargo run ..."] [--keep] [--timeout 1800]

Clones this repository at REV into a temporary folder (a local clone, so it takes no time;
its own, empty `target/`; the crates already downloaded to ~/.cargo stay, as on any machine
that has built Rust before), runs the README's first command there (the first line of its
first `sh` block, or --command) and asks http://127.0.0.1:1111/ until it answers. Prints the
time of the clone, of cargo (until its `Finished` line), and from there to the first answer,
then stops the server and removes the clone (--keep leaves it, with its compiled `target/`;
a failed run leaves it too and says where, with the command's output in serve.log).

Ports 1111 and 8787 (the site and the local intake) must be free. CARGO_TARGET_DIR,
CARGO_BUILD_TARGET_DIR and RUSTC_WRAPPER are unset for the run: a shared target folder or a
compiler cache would measure a warm build.
"""
import argparse
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WARM = ("CARGO_TARGET_DIR", "CARGO_BUILD_TARGET_DIR", "RUSTC_WRAPPER", "CARGO_BUILD_RUSTC_WRAPPER")
# The page is asked directly, never through a proxy the environment may name.
DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def readme_command(readme):
    """The first line of the README's first ```sh block, without its comment."""
    block = re.search(r"```sh\n(.*?)\n", readme)
    if not block:
        sys.exit("README.md has no ```sh block")
    return block.group(1).split("#", 1)[0].strip()


def answers(url):
    try:
        with DIRECT.open(url, timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


def port_taken(port):
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def finished_line(log_path):
    with open(log_path, encoding="utf-8", errors="replace") as f:
        found = re.search(r"^\s*Finished .*$", f.read(), re.M)
    return found.group(0).strip() if found else None


def measure(args, clone, log_path):
    """Runs the command in `clone`; returns the times of the clone's steps, in seconds."""
    env = {k: v for k, v in os.environ.items() if k not in WARM}
    start = time.monotonic()
    subprocess.run(["git", "clone", "-q", "--no-checkout", ROOT, clone], check=True)
    subprocess.run(["git", "-C", clone, "checkout", "-q", args.rev], check=True)
    cloned = time.monotonic()
    with open(os.path.join(clone, "README.md"), encoding="utf-8") as f:
        command = args.command or readme_command(f.read())
    print(f"command: {command}", flush=True)
    compiled = None
    with open(log_path, "w", encoding="utf-8") as log:
        server = subprocess.Popen(command, shell=True, cwd=clone, env=env, stdout=log,
                                  stderr=subprocess.STDOUT, start_new_session=True)
    try:
        while not answers("http://127.0.0.1:1111/"):
            if server.poll() is not None:
                sys.exit(f"the command stopped (exit {server.returncode}); its output: {log_path}")
            if time.monotonic() - start > args.timeout:
                sys.exit(f"no answer after {args.timeout:.0f} s; the command's output: {log_path}")
            if compiled is None and finished_line(log_path):
                compiled = time.monotonic()
            time.sleep(0.2)
        answered = time.monotonic()
    finally:
        try:
            os.killpg(server.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        server.wait()
    return start, cloned, compiled or answered, answered


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rev", default="HEAD")
    parser.add_argument("--command", help="instead of the README's first command")
    parser.add_argument("--keep", action="store_true", help="leave the clone and its target/")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds before giving up")
    args = parser.parse_args()
    for port in (1111, 8787):
        if port_taken(port):
            sys.exit(f"port {port} is in use: stop what listens there first")

    scratch = tempfile.mkdtemp(prefix="first-page-")
    clone = os.path.join(scratch, "site")
    log_path = os.path.join(scratch, "serve.log")
    try:
        start, cloned, compiled, answered = measure(args, clone, log_path)
    except BaseException:
        print(f"left for a look: {scratch}", file=sys.stderr)
        raise
    print(f"clone        {cloned - start:7.1f} s")
    print(f"compile      {compiled - cloned:7.1f} s   ({finished_line(log_path) or 'no Finished line'})")
    print(f"first answer {answered - compiled:7.1f} s")
    total = answered - start
    print(f"total        {total:7.1f} s   ({int(total) // 60} min {int(total) % 60:02d} s)")
    if args.keep:
        print(f"kept: {clone}")
    else:
        shutil.rmtree(scratch)


if __name__ == "__main__":
    main()
