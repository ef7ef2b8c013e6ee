"""Benchmark: how long each section of the staff page shows "Memuat…" (loading), in real Chromium.

Run:  .venv/bin/python bench/admin_sections.py   (also part of `make bench`)

Starts the whole local stack as `make run` does (DynamoDB Local, `chalice local`, the site server,
demo data), signs in as the demo admin at 1280 px and opens every section ROUNDS times. For each
section it measures the time from the menu click until no visible status line of the section says
"Memuat" any more (the page has drawn its data), and prints the median and the worst.

Baseline, measured in the same run and the same page: one `fetch` of `/api/staff/me` (one signed
API call through the site's /api proxy, the smallest thing a section can wait for). The ratio
(section time / that call) is the figure to compare over time: it does not move with the
machine's speed as much as the milliseconds do. It exits non-zero if a section is still
"Memuat…" after 10 s.
"""
from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.browser.conftest import CHROMIUM, LocalStack  # noqa: E402

ROUNDS = 5
SECTIONS = ("sesi", "konsultan", "ruang", "piket", "tutup", "slot", "pendaftaran", "kotak", "evaluasi", "kampanye",
            "siaran", "audit")
LIMIT_S = 10.0


def loading(page, section: str) -> bool:
    return page.evaluate(
        """s => [...document.querySelectorAll('#sec-' + s + ' [role=status]')]
                 .some(e => e.offsetParent !== null && /Memuat/.test(e.textContent))""", section)


def open_section(page, section: str) -> float:
    t0 = time.perf_counter()
    page.click(f"#menu a[href='#/{section}']")
    page.wait_for_selector(f"#sec-{section}:not([hidden])")
    while loading(page, section):
        if time.perf_counter() - t0 > LIMIT_S:
            return float("inf")
        time.sleep(0.01)
    return time.perf_counter() - t0


def main() -> int:
    from playwright.sync_api import sync_playwright

    stack = LocalStack()
    stack.start()
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
            page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="id-ID", timezone_id="Asia/Jakarta")
            page.set_default_timeout(20000)
            page.goto(stack.site + "/admin/")
            page.wait_for_selector("#masuk-form:not([hidden])")
            page.fill("#masuk-email", "admin@demo.local")
            page.fill("#masuk-password", os.environ.get("DEMO_PASSWORD", "demo12345"))
            page.click("#masuk-kirim")
            page.wait_for_selector("#menu:not([hidden])")
            page.wait_for_load_state("networkidle")
            for section in SECTIONS:  # warm the API process and the browser's module cache once
                open_section(page, section)
            base = []
            for _ in range(ROUNDS * 2):
                base.append(page.evaluate("""async () => {
                    const t = JSON.parse(sessionStorage.getItem('cc-admin-token')).token;
                    const t0 = performance.now();
                    const r = await fetch('/api/staff/me', {headers: {Authorization: 'Bearer ' + t}});
                    await r.json();
                    return (performance.now() - t0) / 1000; }"""))
            baseline = statistics.median(base)
            times = {s: [] for s in SECTIONS}
            for _ in range(ROUNDS):
                for section in SECTIONS:
                    times[section].append(open_section(page, section))
            browser.close()
    finally:
        stack.stop()

    print(f"\nStaff page sections at 1280 px, local stack, {ROUNDS} openings each "
          f"(baseline: one API call /api/staff/me = {baseline * 1000:.0f} ms median)")
    print(f"{'section':<14}{'median ms':>10}{'worst ms':>10}{'x baseline':>12}")
    stuck = []
    for section, values in times.items():
        med, worst = statistics.median(values), max(values)
        if worst == float("inf"):
            stuck.append(section)
        print(f"{section:<14}{med * 1000:>10.0f}{worst * 1000:>10.0f}{med / baseline:>12.1f}")
    if stuck:
        print("still 'Memuat…' after 10 s:", ", ".join(stuck))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
