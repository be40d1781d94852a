#!/usr/bin/env python3
"""Pictures: naluga-site against Hugo (and Zola with --zola) on a site of many photographs.

    python3 bench/images.py [--photos 200] [--runs 1] [--zola PATH]

Makes PHOTOS photographs (3000 x 2000 JPEG, each different: a gradient scene with noise, as
a camera's; needs `pip install pillow`), one per page, and the same site for each tool, every
photo published at 480, 800, 1200 and 1600 pixels wide as WebP and JPEG at quality 80 with a
Lanczos filter: naluga-site from a markdown image, Hugo from a page bundle's resource
(`.Resize`), Zola from a colocated file (`resize_image`). Then, RUNS times each and
alternating, it times a cold build (each tool's image cache emptied: `.cache/images/`,
`resources/_gen/`, `static/processed_images/`) and three warm ones (cache kept), each into an
empty output folder, and naluga-site's warm build against the same site without images and
against the least any build must do more: hard-linking the published picture files into a
fresh folder (`cp -al`). Prints the medians side by side.
"""
import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from compare import hugo_binary  # noqa: E402

WIDTHS = [480, 800, 1200, 1600]
QUALITY = 80

OURS_TEMPLATES = {
    "base.html": "<!doctype html><html lang=\"{{ lang.tag }}\"><head><meta charset=\"utf-8\"><title>{{ page.title }}</title></head><body>{% block content %}{% endblock content %}</body></html>",
    "index.html": "{% extends \"base.html\" %}{% block content %}<h1>{{ page.title }}</h1>{% endblock content %}",
    "section.html": "{% extends \"base.html\" %}{% block content %}<h1>{{ page.title }}</h1>{% endblock content %}",
    "page.html": "{% extends \"base.html\" %}{% block content %}<h1>{{ page.title }}</h1>{{ page.content | safe }}{% endblock content %}",
    "404.html": "{% extends \"base.html\" %}{% block content %}<h1>Not found</h1>{% endblock content %}",
    "policy.html": "{% extends \"base.html\" %}{% block content %}{{ page.content | safe }}{% endblock content %}",
}

HUGO_SINGLE = """<!doctype html><html><head><meta charset="utf-8"><title>{{ .Title }}</title></head><body>
<h1>{{ .Title }}</h1>
{{ with .Resources.GetMatch "*.jpg" }}{{ $img := . }}<picture>
<source type="image/webp" srcset="{{ range $i, $w := slice 480 800 1200 1600 }}{{ if $i }}, {{ end }}{{ ($img.Resize (printf "%dx webp q80 Lanczos" $w)).RelPermalink }} {{ $w }}w{{ end }}">
<img alt="{{ $.Title }}" srcset="{{ range $i, $w := slice 480 800 1200 1600 }}{{ if $i }}, {{ end }}{{ ($img.Resize (printf "%dx jpg q80 Lanczos" $w)).RelPermalink }} {{ $w }}w{{ end }}">
</picture>{{ end }}
</body></html>
"""

HUGO_LIST = "<!doctype html><html><head><meta charset=\"utf-8\"><title>{{ .Title }}</title></head><body><h1>{{ .Title }}</h1></body></html>\n"

ZOLA_PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>{{ page.title }}</title></head><body>
<h1>{{ page.title }}</h1>
{% set src = page.colocated_path ~ page.extra.photo %}<picture>
<source type="image/webp" srcset="{% for w in [480, 800, 1200, 1600] %}{% set r = resize_image(path=src, width=w, op="fit_width", format="webp", quality=80) %}{{ r.url }} {{ w }}w{% if not loop.last %}, {% endif %}{% endfor %}">
<img alt="{{ page.title }}" srcset="{% for w in [480, 800, 1200, 1600] %}{% set r = resize_image(path=src, width=w, op="fit_width", format="jpg", quality=80) %}{{ r.url }} {{ w }}w{% if not loop.last %}, {% endif %}{% endfor %}">
</picture>
</body></html>
"""

ZOLA_LIST = "<!doctype html><html><head><meta charset=\"utf-8\"><title>x</title></head><body></body></html>\n"


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def photographs(folder, count):
    """COUNT different 3000 x 2000 JPEGs: a sky-to-ground gradient, a few shapes, and noise."""
    try:
        from PIL import Image, ImageDraw, ImageFilter
    except ImportError:
        sys.exit("making the photographs needs Pillow: pip install pillow")
    os.makedirs(folder, exist_ok=True)
    rng = random.Random(7)
    paths = []
    for n in range(count):
        top = tuple(rng.randrange(60, 220) for _ in range(3))
        bottom = tuple(rng.randrange(20, 160) for _ in range(3))
        gradient = Image.linear_gradient("L").resize((3000, 2000))
        image = Image.composite(Image.new("RGB", (3000, 2000), bottom), Image.new("RGB", (3000, 2000), top), gradient)
        draw = ImageDraw.Draw(image)
        for _ in range(6):
            x, y, r = rng.randrange(3000), rng.randrange(2000), rng.randrange(80, 500)
            draw.ellipse((x - r, y - r, x + r, y + r), fill=tuple(rng.randrange(256) for _ in range(3)))
        image = image.filter(ImageFilter.GaussianBlur(3))
        noise = Image.effect_noise((3000, 2000), 24).convert("RGB")
        image = Image.blend(image, noise, 0.12)
        path = os.path.join(folder, f"p{n:03d}.jpg")
        image.save(path, "JPEG", quality=88)
        paths.append(path)
    return paths


def generate(work, photos, with_images=True):
    """Writes the three sites (and ours without images); returns their folders."""
    ours, hugo, zola = (os.path.join(work, name) for name in ("ours", "hugo", "zola"))
    plain = os.path.join(work, "ours-plain")
    widths = ", ".join(str(w) for w in WIDTHS)
    for site in (ours, plain):
        write(os.path.join(site, "site.toml"), "\n".join([
            'base_url = "https://bench.example"', 'theme = "bench"', 'default_language = "en"',
            '[contact]', 'email = "b@example.test"', 'phone = "0"', 'address = "x"',
            '[images]', f'widths = [{widths}]', f'quality = {QUALITY}',
            '[[languages]]', 'code = "en"', 'name = "English"', 'tag = "en"', 'title = "Bench"',
            'description = "Pictures."']) + "\n")
        for name, text in OURS_TEMPLATES.items():
            write(os.path.join(site, "themes/bench/templates", name), text)
        write(os.path.join(site, "themes/bench/i18n/en.toml"), "")
        write(os.path.join(site, "content/_index.md"), '+++\ntitle = "Home"\n+++\n')
        write(os.path.join(site, "content/photos/_index.md"), '+++\ntitle = "Photos"\n+++\n')
    write(os.path.join(hugo, "hugo.toml"), 'baseURL = "https://bench.example/"\ntitle = "Bench"\n'
          'disableKinds = ["taxonomy", "term", "rss", "sitemap", "robotsTXT"]\n'
          f'[imaging]\nquality = {QUALITY}\nresampleFilter = "Lanczos"\n')
    write(os.path.join(hugo, "layouts/_default/single.html"), HUGO_SINGLE)
    write(os.path.join(hugo, "layouts/_default/list.html"), HUGO_LIST)
    write(os.path.join(hugo, "layouts/index.html"), HUGO_LIST)
    write(os.path.join(zola, "config.toml"), 'base_url = "https://bench.example"\ntitle = "Bench"\n')
    write(os.path.join(zola, "templates/page.html"), ZOLA_PAGE)
    for name in ("index.html", "section.html"):
        write(os.path.join(zola, "templates", name), ZOLA_LIST)
    write(os.path.join(zola, "content/_index.md"), '+++\ntitle = "Home"\n+++\n')
    write(os.path.join(zola, "content/photos/_index.md"), '+++\ntitle = "Photos"\n+++\n')
    sources = photographs(os.path.join(work, "photos"), photos)
    for n, source in enumerate(sources):
        name = os.path.basename(source)
        title = f"Photo {n}"
        write(os.path.join(ours, f"content/photos/{name[:-4]}.md"),
              f'+++\ntitle = "{title}"\n+++\n![{title}]({name})\n')
        shutil.copy(source, os.path.join(ours, "content/photos", name))
        write(os.path.join(plain, f"content/photos/{name[:-4]}.md"), f'+++\ntitle = "{title}"\n+++\n{title}.\n')
        write(os.path.join(hugo, f"content/photos/{name[:-4]}/index.md"), f'+++\ntitle = "{title}"\n+++\n')
        shutil.copy(source, os.path.join(hugo, f"content/photos/{name[:-4]}", name))
        write(os.path.join(zola, f"content/photos/{name[:-4]}/index.md"),
              f'+++\ntitle = "{title}"\n[extra]\nphoto = "{name}"\n+++\n')
        shutil.copy(source, os.path.join(zola, f"content/photos/{name[:-4]}", name))
    return ours, plain, hugo, zola


def timed(argv):
    started = time.perf_counter()
    done = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if done.returncode != 0:
        sys.exit(f"{' '.join(argv)} failed:\n{done.stderr[-3000:]}")
    return time.perf_counter() - started


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--photos", type=int, default=200)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--zola", default=os.environ.get("ZOLA"), help="a Zola binary (see compare.py)")
    parser.add_argument("--dir", default="/dev/shm" if os.access("/dev/shm", os.W_OK) else None)
    args = parser.parse_args()
    binary = os.path.join(os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target")), "release", "naluga-site")
    subprocess.run(["cargo", "build", "--quiet", "--release", "-p", "generator", "--bin", "naluga-site"], cwd=ROOT, check=True)
    hugo = hugo_binary()
    work = tempfile.mkdtemp(prefix="naluga-images-", dir=args.dir)
    try:
        started = time.perf_counter()
        ours, plain, hugo_site, zola_site = generate(work, args.photos)
        print(f"{args.photos} photographs of 3000 x 2000, one per page, made in {time.perf_counter() - started:.0f} s; "
              f"each published at {WIDTHS} px as WebP and JPEG, quality {QUALITY}; {os.cpu_count()} CPUs")
        out = os.path.join(work, "out")
        tools = {
            "naluga-site": ([binary, "--root", ours, "build", "--output", out], os.path.join(ours, ".cache")),
            "hugo": ([hugo, "--source", hugo_site, "--destination", out, "--quiet"], os.path.join(hugo_site, "resources")),
        }
        if args.zola:
            tools["zola"] = ([args.zola, "--root", zola_site, "build", "--output-dir", out, "--force"],
                             os.path.join(zola_site, "static", "processed_images"))
        results = {name: {"cold": [], "warm": []} for name in tools}
        plain_times, link_times, files = [], [], 0
        pictures = os.path.join(work, "pictures")
        for _ in range(args.runs):
            for name, (argv, cache) in tools.items():
                shutil.rmtree(cache, ignore_errors=True)
                shutil.rmtree(out, ignore_errors=True)
                results[name]["cold"].append(timed(argv))
                for _ in range(3):
                    shutil.rmtree(out, ignore_errors=True)
                    results[name]["warm"].append(timed(argv))
                if name == "naluga-site":
                    files = len(os.listdir(os.path.join(out, "images")))
                    for _ in range(3):
                        shutil.rmtree(pictures, ignore_errors=True)
                        link_times.append(timed(["cp", "-al", os.path.join(out, "images"), pictures]))
            for _ in range(3):
                shutil.rmtree(out, ignore_errors=True)
                plain_times.append(timed([binary, "--root", plain, "build", "--output", out]))
        print()
        print("| tool | cold build (encodes everything) | warm rebuild (cache kept) |")
        print("|---|---:|---:|")
        for name, r in results.items():
            print(f"| {name} | {statistics.median(r['cold']):.2f} s | {statistics.median(r['warm']) * 1000:,.0f} ms |")
        warm, bare = statistics.median(results["naluga-site"]["warm"]), statistics.median(plain_times)
        link = statistics.median(link_times)
        print(f"\nnaluga-site warm rebuild {warm * 1000:,.1f} ms vs the same site without images "
              f"{bare * 1000:,.1f} ms: {warm / bare:.2f}x")
        print(f"`cp -al` of the {files:,} published picture files alone: {link * 1000:,.1f} ms "
              f"(the same site without images, plus that: {(bare + link) * 1000:,.1f} ms)")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
