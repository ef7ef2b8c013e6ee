"""Weight of the public pages as a visitor's phone downloads them (aim: signup < 60 KB).

Counts HTML + CSS + JS of each built page (static_site/_build), raw and gzip-compressed
(CloudFront compresses text). Usage: python bench/page_weight.py
"""
from __future__ import annotations

import gzip
import re
from pathlib import Path

BUILD = Path(__file__).resolve().parents[1] / "static_site" / "_build"


def page_assets(html_path: Path) -> list[Path]:
    """The page, its CSS and scripts, and every ES module those scripts import."""
    html = html_path.read_text(encoding="utf-8")
    refs = re.findall(r'(?:href|src)="([^"]+\.(?:css|js))"', html)
    files = [html_path] + [(html_path.parent / ref).resolve() for ref in refs]
    todo = [f for f in files if f.suffix == ".js"]
    while todo:
        script = todo.pop()
        for ref in re.findall(r'^import (?:[^"]*from )?"(\./[^"]+)";', script.read_text(encoding="utf-8"), re.M):
            module = (script.parent / ref).resolve()
            if module not in files:
                files.append(module)
                todo.append(module)
    return files


def main() -> None:
    if not BUILD.exists():
        raise SystemExit("static_site/_build is missing: run `make site` first")
    print(f"{'page':<22}{'files':>6}{'bytes':>10}{'gzip':>9}")
    for html in sorted(BUILD.rglob("*.html")):
        files = page_assets(html)
        raw = sum(f.stat().st_size for f in files)
        gz = sum(len(gzip.compress(f.read_bytes(), 9)) for f in files)
        name = str(html.relative_to(BUILD))
        aim = "  (aim < 60 KB)" if name == "index.html" else ""
        print(f"{name:<22}{len(files):>6}{raw:>10,}{gz:>9,}{aim}")


if __name__ == "__main__":
    main()
