import pytest

pytestmark = pytest.mark.postgres


def test_the_reads_bench_reports_each_page_at_every_size_and_never_hands_an_appeal_out_twice(run_bench):
    figures = run_bench("reads")
    rows = figures["rows"]
    assert figures["bench"] == "reads" and "INSERT ... SELECT" in figures["method"]
    medians = [row for row in rows if ": p50 at " in row["figure"]]
    counts = [row for row in rows if ": queries at " in row["figure"]]
    assert len(medians) == len(counts) == 9  # five queue pages, four API pages
    assert all(row["value"] > 0 and row["limit_value"] > 0 for row in medians)
    assert all(row["ok"] is True for row in counts), counts  # the same number of queries at every size
    claims = next(row for row in rows if row["figure"].endswith("appeals claimed twice"))
    assert claims["value"] == 0 and claims["ok"] is True
