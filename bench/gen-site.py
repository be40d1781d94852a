#!/usr/bin/env python3
"""Generates a synthetic multilingual site for build benchmarks.

    bench/gen-site.py OUT_DIR [PAGES_PER_LANGUAGE]   (default 1000)

N pages per language in English and Chinese (translations share paths), about 650 words each
with headings, lists, links, a table and a code block, in 10 sections, using the repository's
theme. Deterministic: the same arguments give the same site.
"""
import os
import random
import shutil
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WORDS = ("toy plush vinyl mould sample factory design quality colour fabric stitch paint "
         "carton delivery order quantity safety test standard market child age pattern "
         "embroidery prototype approval batch inspection shipping label").split()
ZH = list("玩具毛绒搪胶模具样品工厂设计质量颜色面料车缝喷油纸箱交付订单数量安全检测标准市场儿童年龄")


def sentence(rng, zh):
    if zh:
        return "".join(rng.choice(ZH) for _ in range(rng.randint(12, 30))) + "。"
    words = [rng.choice(WORDS) for _ in range(rng.randint(8, 16))]
    return " ".join(words).capitalize() + "."


def body(rng, zh, section, index, sections, per_section):
    parts = []
    for h in range(4):
        parts.append(f"## {'第' + str(h + 1) + '部分' if zh else 'Part ' + str(h + 1)} {sentence(rng, zh)[:20]}\n")
        parts.append(" ".join(sentence(rng, zh) for _ in range(6)) + "\n")
        other_s = rng.randrange(sections)
        other_p = rng.randrange(per_section)
        parts.append(f"- {sentence(rng, zh)} [link](@/s{other_s}/p{other_p}.md)\n"
                     f"- {sentence(rng, zh)}\n- {sentence(rng, zh)}\n")
    parts.append("| Item | Quantity | Note |\n|---|---|---|\n" +
                 "".join(f"| {rng.choice(WORDS)} | {rng.randint(1, 999)} | {rng.choice(WORDS)} |\n" for _ in range(4)))
    parts.append("```toml\n[order]\nquantity = 500\nmaterial = \"plush\"\n```\n")
    parts.append(" ".join(sentence(rng, zh) for _ in range(8)) + "\n")
    return "\n".join(parts)


def main():
    out = sys.argv[1]
    per_language = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
    sections = 10
    per_section = per_language // sections
    if os.path.exists(out):
        shutil.rmtree(out)
    os.makedirs(os.path.join(out, "content"))
    shutil.copytree(os.path.join(ROOT, "themes"), os.path.join(out, "themes"))
    with open(os.path.join(ROOT, "site.toml"), encoding="utf-8") as f:
        config = f.read()
    # Two languages: drop Spanish.
    config = config[: config.index('[[languages]]\ncode = "es"')]
    config = config.replace('{ name = "Our process", link = "@/services/process.md" },\n', "") \
                   .replace('{ name = "生产流程", link = "@/services/process.md" },\n', "") \
                   .replace("@/services/_index.md", "@/s0/_index.md")
    # Zola and Hugo draw no sharing cards: the comparison is of the same work (docs/editors.md,
    # "What visitors get", gives the cards' own cost).
    config = config.replace("[share]\ncards = true", "[share]\ncards = false")
    with open(os.path.join(out, "site.toml"), "w", encoding="utf-8") as f:
        f.write(config)
    for name in ("_index.md", "_index.zh.md", "about.md", "about.zh.md", "contact.md",
                 "contact.zh.md", "privacy.md", "privacy.zh.md"):
        shutil.copy(os.path.join(ROOT, "content", name), os.path.join(out, "content", name))
    # The copied pages link to the real site's services pages: point them at section 0.
    for name in os.listdir(os.path.join(out, "content")):
        path = os.path.join(out, "content", name)
        with open(path, encoding="utf-8") as f:
            text = f.read()
        text = text.replace("@/services/process.md", "@/s0/_index.md")
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
    rng = random.Random(42)
    for s in range(sections):
        folder = os.path.join(out, "content", f"s{s}")
        os.makedirs(folder)
        for lang in ("", ".zh"):
            with open(os.path.join(folder, f"_index{lang}.md"), "w", encoding="utf-8") as f:
                f.write(f'+++\ntitle = "Section {s}"\nweight = {s}\n+++\nSection {s}.\n')
        for p in range(per_section):
            for lang in ("", ".zh"):
                zh = lang == ".zh"
                with open(os.path.join(folder, f"p{p}{lang}.md"), "w", encoding="utf-8") as f:
                    f.write(f'+++\ntitle = "{"页面" if zh else "Page"} {s}-{p}"\n'
                            f'description = "{sentence(rng, zh)}"\ndate = 2026-0{1 + p % 9}-1{p % 10}\n'
                            f"weight = {p}\n+++\n\n")
                    f.write(body(rng, zh, s, p, sections, per_section))


if __name__ == "__main__":
    main()
