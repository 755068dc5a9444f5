"""Benchmarks run as `make bench` runs them, at --quick sizes, each in a throwaway database dropped afterwards."""

import contextlib
import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import sql

ROOT = Path(__file__).resolve().parents[2]
SERVER = "postgres://postgres@127.0.0.1:5432"
# Per test run, so two runs on one machine (a CI run beside a developer's) never drop each other's databases.
PREFIX = f"recourse_bench_test_{os.getpid()}_"

pytestmark = pytest.mark.postgres


@pytest.fixture
def run_bench(tmp_path: Path) -> Iterator[Callable[[str], dict[str, Any]]]:
    """`run_bench("notifications")`: bench/run.py --quick for that bench; returns the figures it wrote."""
    ran: list[str] = []

    def run(name: str) -> dict[str, Any]:
        ran.append(name)
        env = {**os.environ, "BENCH_POSTGRES": SERVER, "BENCH_DATABASE_PREFIX": PREFIX, "BENCH_JSON_DIR": str(tmp_path)}
        command = [sys.executable, "bench/run.py", "--only", name, "--quick", "--no-write"]
        finished = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False)
        assert finished.returncode == 0, finished.stderr[-3000:]
        return json.loads((tmp_path / f"{name}.json").read_text())

    yield run
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as connection:
        for name in ran:
            with contextlib.suppress(psycopg.Error):
                connection.execute(
                    sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(PREFIX + name))
                )
