import pytest

pytestmark = pytest.mark.postgres


def test_the_status_page_bench_serves_the_signed_in_page_under_wrk_beside_a_bare_view(run_bench):
    figures = run_bench("status_page")
    throughput = figures["rows"][0]
    assert figures["bench"] == "status_page"
    assert throughput["unit"] == "req/s" and throughput["value"] > 0 and throughput["limit_value"] > 0
    assert throughput["ratio"] == pytest.approx(throughput["value"] / throughput["limit_value"], abs=0.01)
