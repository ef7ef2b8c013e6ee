"""Render the static site from Jinja2 templates and the service rules into static_site/_build/.

Run by `make run`, `make test` and deploy: `python static_site/build.py [OUT_DIR]`.
The kecamatan list, topics and hours come from chalicelib so the page and the API agree.
"""
from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from chalicelib.domain import feedback, rules, skm  # noqa: E402

PAGES = {
    "index.html.j2": "index.html",
    "status.html.j2": "status.html",
    "privasi.html.j2": "privasi.html",
    "umpan-balik.html.j2": "umpan-balik.html",
}


# The office's contacts come from the deploy's configuration (CONTACT_EMAIL, CONTACT_WHATSAPP;
# infra passes them and prod refuses the placeholders of site.json).
CONTACT_ENV = {"contact_email": "CONTACT_EMAIL", "contact_whatsapp": "CONTACT_WHATSAPP"}


def site_values(overrides: dict | None = None) -> dict:
    site = json.loads((HERE / "site.json").read_text(encoding="utf-8"))
    for key, env_name in CONTACT_ENV.items():
        if os.environ.get(env_name, "").strip():
            site[key] = os.environ[env_name].strip()
    site.update({k: v for k, v in (overrides or {}).items() if v})
    return site


def context(overrides: dict | None = None) -> dict:
    blocks = rules.DEFAULT_RULES.blocks
    hours = {s: f"{a:%H.%M}–{b:%H.%M} WIB" for s, (a, b) in blocks.items()}
    return {
        "site": site_values(overrides),
        "kecamatan": rules.kecamatan_list(),
        "services": rules.SERVICES,
        "hours": hours,
        "modes": rules.MODES,
        "topics": rules.TOPICS,
        "coop_only": rules.COOPERATIVE_ONLY_TOPICS,
        "coop_statuses": rules.COOPERATIVE_STATUSES,
        "sectors": rules.BUSINESS_SECTORS,
        "sources": rules.SOURCES,
        # the feedback page (umpan-balik.html): the same choices and limit as the API
        "answered": feedback.ANSWERED,
        "improve_max": feedback.IMPROVE_MAX,
        # the SKM (PermenPANRB 14/2017): its nine unsur with their four answers, the optional profile
        "skm_unsur": skm.UNSUR,
        "skm_profile": skm.PROFILE,
    }


def build(out: Path, overrides: dict | None = None) -> list[Path]:
    env = Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=select_autoescape(["html", "j2"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    written = []
    ctx = context(overrides)
    for template, target in PAGES.items():
        path = out / target
        path.parent.mkdir(parents=True, exist_ok=True)
        depth = target.count("/")
        path.write_text(env.get_template(template).render(root="../" * depth, **ctx), encoding="utf-8")
        written.append(path)
    shutil.copytree(HERE / "assets", out / "assets")
    extra = HERE / "admin"
    if extra.exists():
        shutil.copytree(extra, out / "admin")
    return written


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else HERE / "_build"
    for p in build(target):
        print(f"built {p.relative_to(target.parent)}")
