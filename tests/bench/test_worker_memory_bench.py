import pytest

pytestmark = pytest.mark.postgres


def test_the_worker_memory_bench_delivers_every_message_once_and_reports_the_peak_at_both_sizes(run_bench):
    figures = run_bench("worker_memory")
    memory = figures["rows"][0]
    assert figures["bench"] == "worker_memory"
    assert memory["unit"] == "MiB" and memory["value"] > 0 and memory["limit_value"] > 0
