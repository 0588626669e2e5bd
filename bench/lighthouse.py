"""Lighthouse, mobile, on the shop home and a product page of the demo.

    (cd bench/lighthouse && npm ci) && .venv/bin/python bench/lighthouse.py [--runs 3]

Starts the production server over a fresh PostgreSQL database with the demo shops (as
bench/load.py does), then runs npm's Lighthouse (bench/lighthouse/package.json) with its default
mobile settings (a mid-range phone, simulated slow 4G, 4x CPU slowdown) in Debian's Chromium,
headless. Prints each run's performance and accessibility scores and the largest contentful
paint, total blocking time, layout shift and bytes, and the median of the runs, as a Markdown
table for docs/performance.md. Never downloads a browser.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from harness import demo_server
from load import first_product_path

LIGHTHOUSE = Path(__file__).resolve().parent / "lighthouse" / "node_modules" / ".bin" / "lighthouse"
CHROME_FLAGS = "--headless=new --no-sandbox --disable-gpu --no-first-run --disable-sync"


def lighthouse(url: str) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as out:
        report = Path(out) / "report.json"
        subprocess.run(
            [
                str(LIGHTHOUSE), url, "--quiet", "--output=json", f"--output-path={report}",
                "--only-categories=performance,accessibility",
                f"--chrome-flags={CHROME_FLAGS}",
            ],
            check=True,
            env={"CHROME_PATH": "/usr/bin/chromium", "PATH": "/usr/bin:/bin"},
        )  # fmt: skip
        data = json.loads(report.read_text())
    audits = data["audits"]
    failing = [
        ref["id"]
        for ref in data["categories"]["accessibility"]["auditRefs"]
        if ref["weight"]
        and audits[ref["id"]]["score"] is not None
        and audits[ref["id"]]["score"] < 1
    ]
    for audit_id in failing:
        nodes = [i["node"]["snippet"][:100] for i in audits[audit_id]["details"]["items"][:5]]
        print(f"{url}: accessibility audit failing: {audit_id} at {nodes}", file=sys.stderr)
    return {
        "performance": round(100 * data["categories"]["performance"]["score"]),
        "accessibility": round(100 * data["categories"]["accessibility"]["score"]),
        "lcp_s": audits["largest-contentful-paint"]["numericValue"] / 1000,
        "tbt_ms": audits["total-blocking-time"]["numericValue"],
        "cls": audits["cumulative-layout-shift"]["numericValue"],
        "kib": audits["total-byte-weight"]["numericValue"] / 1024,
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--shop", default="chayuan")
    args = parser.parse_args()
    if not LIGHTHOUSE.exists():
        print("Lighthouse is needed: (cd bench/lighthouse && npm ci)", file=sys.stderr)
        return 2
    rows = []
    with demo_server("weishang_bench_lighthouse") as (base, _db):
        pages = {"shop home": f"/{args.shop}/", "product page": first_product_path(base, args.shop)}
        for label, path in pages.items():
            runs = [lighthouse(base + path) for _ in range(args.runs)]
            for n, run in enumerate(runs, 1):
                print(f"{label} run {n}: {run}", file=sys.stderr)
            median = {key: statistics.median(r[key] for r in runs) for key in runs[0]}
            rows.append((label, path, median, runs))
    print(f"\nLighthouse mobile (default throttling), median of {args.runs} runs\n")
    print("| page | performance | accessibility | LCP s | TBT ms | CLS | KiB |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for label, _path, m, _runs in rows:
        print(
            f"| {label} | {m['performance']:.0f} | {m['accessibility']:.0f} | {m['lcp_s']:.2f}"
            f" | {m['tbt_ms']:.0f} | {m['cls']:.3f} | {m['kib']:.0f} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
