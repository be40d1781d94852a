#!/usr/bin/env python3
"""Time from a fresh clone to the first page of the README's first command.

    python3 bench/first-page.py [--rev HEAD] [--command "cargo run ..."] [--keep]

Clones this repository at REV into a temporary folder (its own, empty `target/`; the crates
already downloaded to ~/.cargo stay, as on any machine that has built Rust before), runs the
README's first command there (the first line of its first `sh` block, or --command) and asks
http://127.0.0.1:1111/ until it answers. Prints the time of the clone, of cargo (until its
`Finished` line), and from there to the first answer, then stops the server and removes the
clone (--keep leaves it, with its compiled `target/`).

Ports 1111 and 8787 (the site and the local intake) must be free. CARGO_TARGET_DIR is unset
for the run: a shared target folder would measure a warm build.
"""
import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def readme_command(readme):
    """The first line of the README's first ```sh block, without its comment."""
    block = re.search(r"```sh\n(.*?)\n", readme)
    if not block:
        sys.exit("README.md has no ```sh block")
    return block.group(1).split("#", 1)[0].strip()


def answers(url):
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rev", default="HEAD")
    parser.add_argument("--command", help="instead of the README's first command")
    parser.add_argument("--keep", action="store_true", help="leave the clone and its target/")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds before giving up")
    args = parser.parse_args()

    scratch = tempfile.mkdtemp(prefix="first-page-")
    clone = os.path.join(scratch, "site")
    env = {k: v for k, v in os.environ.items() if k != "CARGO_TARGET_DIR"}
    start = time.monotonic()
    subprocess.run(["git", "clone", "-q", "--no-checkout", ROOT, clone], check=True)
    subprocess.run(["git", "-C", clone, "checkout", "-q", args.rev], check=True)
    cloned = time.monotonic()
    with open(os.path.join(clone, "README.md"), encoding="utf-8") as f:
        command = args.command or readme_command(f.read())
    print(f"command: {command}", flush=True)

    log = open(os.path.join(scratch, "serve.log"), "w+", encoding="utf-8")
    server = subprocess.Popen(command, shell=True, cwd=clone, env=env, stdout=log,
                              stderr=subprocess.STDOUT, start_new_session=True)
    compiled = None
    try:
        while not answers("http://127.0.0.1:1111/"):
            if server.poll() is not None:
                log.seek(0)
                sys.exit(f"the command stopped (exit {server.returncode}):\n{log.read()[-4000:]}")
            if time.monotonic() - start > args.timeout:
                sys.exit(f"no answer after {args.timeout:.0f} s")
            if compiled is None:
                log.seek(0)
                if re.search(r"^\s*Finished ", log.read(), re.M):
                    compiled = time.monotonic()
            time.sleep(0.2)
        answered = time.monotonic()
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait()
        log.close()
    compiled = compiled or answered
    log_text = open(os.path.join(scratch, "serve.log"), encoding="utf-8").read()
    finished = re.search(r"^\s*Finished .*$", log_text, re.M)
    print(f"clone        {cloned - start:7.1f} s")
    print(f"compile      {compiled - cloned:7.1f} s   ({finished.group(0).strip() if finished else 'no Finished line'})")
    print(f"first answer {answered - compiled:7.1f} s")
    print(f"total        {answered - start:7.1f} s   ({int(answered - start) // 60} min {int(answered - start) % 60:02d} s)")
    if args.keep:
        print(f"kept: {clone}")
    else:
        shutil.rmtree(scratch)


if __name__ == "__main__":
    main()
