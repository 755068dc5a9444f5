import pytest

pytestmark = pytest.mark.postgres


def test_the_notifications_bench_delivers_each_message_once_and_reports_it_beside_its_limit(run_bench):
    figures = run_bench("notifications")
    delivery = figures["rows"][0]
    assert figures["bench"] == "notifications"
    assert delivery["ok"] is True  # every message arrived exactly once
    assert delivery["value"] > 0 and delivery["limit_value"] > 0
    assert delivery["ratio"] == pytest.approx(delivery["value"] / delivery["limit_value"], abs=0.01)
