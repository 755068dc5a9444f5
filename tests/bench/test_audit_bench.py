import pytest

pytestmark = pytest.mark.postgres


def test_the_audit_bench_verifies_the_chain_beside_a_plain_read_and_reports_its_memory(run_bench):
    figures = run_bench("audit")
    rows = figures["rows"]
    assert figures["bench"] == "audit"
    timed = [row for row in rows if row["unit"] == "s"]
    assert {row["limit"].split(" ")[0] for row in timed} == {"COPY", "the"}
    assert all(row["value"] > 0 and row["limit_value"] > 0 for row in timed)
    memory = next(row for row in rows if row["unit"] == "MiB")
    assert memory["value"] > 0 and memory["limit_value"] > 0
