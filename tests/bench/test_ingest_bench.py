import pytest

pytestmark = pytest.mark.postgres

FIGURES = [
    ("raw COPY of", "s"),
    ("suspensions_import of", "s"),
    ("API:", "s"),
    ("peak RSS of suspensions_import", "MiB"),
    ("queries per API batch", "queries"),
]


def test_the_ingest_bench_loads_the_wave_three_ways_and_reports_each_beside_copy(run_bench):
    figures = run_bench("ingest")
    assert figures["bench"] == "ingest"
    assert "COPY" in figures["method"]
    rows = figures["rows"]
    assert len(rows) == len(FIGURES)
    for row, (start, unit) in zip(rows, FIGURES, strict=True):
        assert row["figure"].startswith(start) and row["unit"] == unit
        assert isinstance(row["value"], int | float)
    copy, command, api, memory, queries = rows
    assert copy["value"] > 0
    for compared in (command, api):
        assert compared["limit_value"] == copy["value"]
        assert compared["ratio"] == pytest.approx(compared["value"] / compared["limit_value"], abs=0.01)
        assert isinstance(compared["ok"], bool)
    assert memory["value"] > 0 and memory["limit_value"] > 0
    assert queries["ok"] is True  # a batch of 1,000 costs no more queries than one of 10
