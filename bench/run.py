"""`make bench`: run every benchmark against the local PostgreSQL and print one table, each figure beside the limit
measured in the same run; the table also goes into docs/performance.md with the machine it ran on.

    .venv/bin/python bench/run.py [--quick] [--only ingest --only reads ...] [--no-write]

Each script creates its own database (recourse_bench_<name>; BENCH_DATABASE_PREFIX changes the prefix) and
writes its figures as JSON (see the scripts' --json). A script that fails (an exception, or a correctness check
such as "no double claims") makes this exit non-zero; a missed target is reported in the table, not as a failure.
"""

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
POSTGRES = os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")
DATABASE_PREFIX = os.environ.get("BENCH_DATABASE_PREFIX", "recourse_bench_")
BENCHES: dict[str, list[str]] = {
    "ingest": ["bench/ingest.py"],
    "reads": ["bench/reads.py"],
    "status_page": ["bench/status_page.py"],
    "audit": ["bench/audit.py"],
    "worker_memory": ["bench/worker_memory.py"],
    "notifications": ["bench/notifications_smtp.py", "--messages", "10000"],
}
PERFORMANCE_MD = ROOT / "docs" / "performance.md"
# The latest full-size figures of each bench, so that `--only` refreshes its own rows and keeps the others'.
RESULTS = ROOT / "bench" / "results"
START, END = "<!-- bench:table -->", "<!-- /bench:table -->"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke test")
    parser.add_argument("--only", action="append", choices=list(BENCHES), help="run only these (repeatable)")
    parser.add_argument("--no-write", action="store_true", help="do not update docs/performance.md")
    args = parser.parse_args(argv)
    results, failed = [], []
    for name in args.only or list(BENCHES):
        result = run_one(name, quick=args.quick)
        if result is None:
            failed.append(name)
        else:
            results.append(result)
    print(render(results, quick=args.quick))
    if not args.no_write and not args.quick and results:
        keep(results)
        latest = [json.loads(path.read_text()) for path in sorted(RESULTS.glob("*.json"))]
        latest.sort(key=lambda result: list(BENCHES).index(result["bench"]) if result["bench"] in BENCHES else 99)
        write_performance_md(render(latest, quick=False), latest)
    if failed:
        print(f"FAILED: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


def run_one(name: str, *, quick: bool) -> dict[str, Any] | None:
    script, *extra = BENCHES[name]
    env = {
        **os.environ,
        "SECRET_KEY": os.environ.get("SECRET_KEY", "insecure-bench-only-key"),
        "DATABASE_URL": f"{POSTGRES}/{DATABASE_PREFIX}{name}",
    }
    env.pop("DEBUG", None)
    with tempfile.TemporaryDirectory() as scratch:
        # BENCH_JSON_DIR keeps each bench's figures (the tests read them); by default they go with the scratch folder.
        output = Path(os.environ.get("BENCH_JSON_DIR") or scratch) / f"{name}.json"
        command = [PYTHON, str(ROOT / script), *extra, "--json", str(output), *(["--quick"] if quick else [])]
        print(f"== {name}: {' '.join(command[1:])}", file=sys.stderr, flush=True)
        finished = subprocess.run(command, cwd=ROOT, env=env, check=False)
        if finished.returncode != 0 or not output.exists():
            print(f"== {name} failed (exit {finished.returncode})", file=sys.stderr)
            return None
        result: dict[str, Any] = json.loads(output.read_text())
        return result


def keep(results: list[dict[str, Any]]) -> None:
    RESULTS.mkdir(exist_ok=True)
    ran_at = f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
    for result in results:
        result = {**result, "ran_at": ran_at, "machine": machine()}
        (RESULTS / f"{result['bench']}.json").write_text(json.dumps(result, indent=2) + "\n")


def render(results: list[dict[str, Any]], *, quick: bool) -> str:
    lines = [
        "| bench | figure | value | limit (same run) | ratio | target | met |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for result in results:
        for row in result["rows"]:
            limit = row.get("limit") or ""
            if row.get("limit_value") is not None:
                limit = f"{limit}: {_number(row['limit_value'])} {row.get('unit', '')}".strip(": ")
            met = {True: "yes", False: "**no**", None: ""}[row.get("ok")]
            ratio = "" if row.get("ratio") is None else f"{row['ratio']:.2f}×"
            value = f"{_number(row['value'])} {row.get('unit', '')}"
            cells = [result["bench"], row["figure"], value, limit, ratio, row.get("target", ""), met]
            lines.append("| " + " | ".join(cells) + " |")
    if quick:
        lines.append("")
        lines.append("(--quick: small sizes, for checking the benches run; not figures to quote)")
    return "\n".join(lines)


def _number(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.2f}" if value < 100 else f"{value:,.0f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def machine() -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if "model name" in line
        ),
        platform.processor(),
    )
    memory_kb = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))  # type: ignore[union-attr]
    postgres = subprocess.run(["psql", "--version"], capture_output=True, text=True, check=False).stdout.strip()
    return (
        f"{os.cpu_count()} cores ({cpu}), {memory_kb / 1024 / 1024:.0f} GiB memory, {postgres} on the same machine, "
        f"Python {platform.python_version()}, {platform.system()} {platform.release()}"
    )


def write_performance_md(table: str, results: list[dict[str, Any]]) -> None:
    methods = "\n".join(
        f"- **{result['bench']}** (run {result['ran_at']} on {result['machine']}): {result['method']}"
        for result in results
    )
    block = f"{START}\n{table}\n\nHow each was measured, and where:\n\n{methods}\n{END}"
    text = PERFORMANCE_MD.read_text() if PERFORMANCE_MD.exists() else f"# Performance\n\n{START}\n{END}\n"
    before, _, rest = text.partition(START)
    _, _, after = rest.partition(END)
    PERFORMANCE_MD.write_text(before + block + after)


if __name__ == "__main__":
    sys.exit(main())
