"""The transparency report: exact figures from a known set of cases made through the services, the CSV, the JSON,
the command, the staff page and the public page with its small-number suppression and cache."""

import csv
import io
import json
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, cast

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.core.management.base import CommandError
from django.http import HttpResponse
from django.test import Client
from django.utils import timezone

from accounts.models import User
from appeals.choices import AutomatedDecision, Category, DecisionGround, SourceType
from appeals.disclosure import public_figures, withheld
from appeals.misuse import misuse_block_impose, misuse_warning_issue
from appeals.models import Appeal, Message, MisuseMeasure, NoticeStatus, Outcome, Suspension
from appeals.services import appeal_answer, appeal_claim, appeal_decide, appeal_request_info, appeal_withdraw
from appeals.suspensions import notice_record
from appeals.transparency import (
    TRANSPARENCY_QUERIES,
    AppealFigures,
    DecisionTimes,
    InformationRequests,
    MisuseFigures,
    NoticeFigures,
    Outcomes,
    Tally,
    transparency_report,
)
from appeals.transparency_figures import report_csv, report_json
from appeals.transparency_views import published_half_years
from tests.appeals.test_appellant_pages import signed_in
from tests.conftest import staff_client
from tests.factories import PLATFORM, make_appeal, make_suspension

pytestmark = pytest.mark.django_db

SPEECH = Category.ILLEGAL_OR_HARMFUL_SPEECH
SCAMS = Category.SCAMS_AND_FRAUD
SECURITY = Category.RISK_FOR_PUBLIC_SECURITY
MARCH = date(2026, 3, 1)
APRIL = date(2026, 4, 1)
SCAM_CASE: dict[str, Any] = {
    "category": SCAMS,
    "decision_ground": DecisionGround.ILLEGAL_CONTENT,
    "illegal_content_legal_ground": "StGB § 263 (fraud)",
    "illegal_content_explanation": "Advance-fee scheme.",
    "source_type": SourceType.ARTICLE_16,
    "automated_detection": False,
    "automated_decision": AutomatedDecision.NOT_AUTOMATED,
}
FLAGGED_CASE: dict[str, Any] = {
    "category": SECURITY,
    "source_type": SourceType.TRUSTED_FLAGGER,
    "automated_detection": False,
    "automated_decision": AutomatedDecision.PARTIALLY,
}


def hours(n: float) -> timedelta:
    return timedelta(hours=n)


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    """The public figures and the appellant's sign-in rate limits live in the cache."""
    cache.clear()
    yield
    cache.clear()


def at(day: date, plus: timedelta = timedelta()) -> datetime:
    return datetime(day.year, day.month, day.day, 9, tzinfo=UTC) + plus


def suspended(start: date, **fields: Any) -> Suspension:
    """A restriction that took effect on `start`; its notices are recorded after any appeal is filed."""
    return make_suspension(informed=False, application_date=at(start), **fields)


def notice(suspension: Suspension, status: NoticeStatus, sent_at: datetime) -> None:
    notice_record(
        actor=PLATFORM,
        suspension=suspension,
        channel="email",
        address=suspension.account_email,
        status=status,
        sent_at=sent_at,
    )


def decided(appeal: Appeal, *, by: User, outcome: Outcome, filed_at: datetime, took: timedelta) -> None:
    how: dict[str, Any] = {"new_end_date": timezone.now() + timedelta(days=30)} if outcome == Outcome.MODIFIED else {}
    appeal_decide(appeal=appeal, by=by, outcome=outcome, reasons="Reasons the appellant reads.", **how)
    Appeal.objects.filter(pk=appeal.pk).update(filed_at=filed_at, decided_at=filed_at + took)


def seed(start: date, rita: User) -> None:
    """The known cases, all around the month that begins on `start`:

    - 9 restrictions took effect in it: 6 speech (terms, own initiative, automated), 2 scams (illegal content,
      Art. 16 notice, human), 1 security (trusted flagger, partly automated) whose person was never informed; and
      1 more 10 days before the month.
    - notices sent in the month: 8 delivered, 1 bounced, 1 failed, 1 with no report yet.
    - appeals: 5 filed and decided in the month (speech: upheld 12 h, overturned 36 h, modified 60 h, upheld 84 h
      after a request for information; scams: overturned 108 h), 1 withdrawn, 1 still open, 1 filed in the month
      and decided after it, 1 filed and decided before it.
    """
    speech = [suspended(start) for _ in range(6)]
    scams = [suspended(start, **SCAM_CASE) for _ in range(2)]
    flagged = suspended(start, **FLAGGED_CASE)
    earlier = suspended(start - timedelta(days=10))
    appeals = [make_appeal(suspension) for suspension in [*speech, *scams, earlier]]

    for number, (outcome, took) in enumerate(
        [(Outcome.UPHELD, 12), (Outcome.OVERTURNED, 36), (Outcome.MODIFIED, 60)], start=1
    ):
        decided(
            appeals[number - 1], by=rita, outcome=outcome, filed_at=at(start, timedelta(days=number)), took=hours(took)
        )
    asked = appeals[3]
    appeal_claim(appeal=asked, by=rita)
    request = appeal_request_info(
        appeal=asked, by=rita, body="Which post?", reply_by=timezone.now() + timedelta(days=7)
    )
    appeal_answer(appeal=asked, body="The one from 2 November.")
    Message.objects.filter(pk=request.pk).update(created_at=at(start, timedelta(days=5)))
    decided(asked, by=rita, outcome=Outcome.UPHELD, filed_at=at(start, timedelta(days=4)), took=hours(84))
    decided(appeals[6], by=rita, outcome=Outcome.OVERTURNED, filed_at=at(start, timedelta(days=6)), took=hours(108))
    appeal_withdraw(appeal=appeals[4])
    Appeal.objects.filter(pk=appeals[4].pk).update(filed_at=at(start, hours(2)), withdrawn_at=at(start, hours(30)))
    Appeal.objects.filter(pk=appeals[5].pk).update(filed_at=at(start, timedelta(days=20)))  # still open
    decided(
        appeals[7], by=rita, outcome=Outcome.UPHELD, filed_at=at(start, timedelta(days=25)), took=timedelta(days=10)
    )
    decided(appeals[8], by=rita, outcome=Outcome.OVERTURNED, filed_at=at(start, -timedelta(days=9)), took=hours(5))

    for suspension in [*speech, *scams]:
        notice(suspension, NoticeStatus.DELIVERED, at(start, hours(1)))
    notice(scams[1], NoticeStatus.SENT, at(start, hours(2)))
    notice(flagged, NoticeStatus.BOUNCED, at(start, hours(1)))
    notice(flagged, NoticeStatus.FAILED, at(start, hours(3)))
    notice(earlier, NoticeStatus.DELIVERED, at(start, -timedelta(days=9)))


@pytest.fixture
def march(rita: User) -> None:
    seed(MARCH, rita)


def tallies(counts: dict[str, int], keys: list[str]) -> list[Tally]:
    return [Tally(key=key, count=counts.get(key, 0)) for key in keys]


# --- the report -----------------------------------------------------------------------------------------------------


def test_the_report_counts_restrictions_by_ground_category_source_and_automation(march: None) -> None:
    figures = transparency_report(since=MARCH, until=APRIL).suspensions
    assert (figures.total, figures.never_informed) == (9, 1)
    assert figures.by_ground == tallies(
        {DecisionGround.ILLEGAL_CONTENT: 2, DecisionGround.INCOMPATIBLE_CONTENT: 7}, DecisionGround.values
    )
    assert figures.by_category == tallies({SPEECH: 6, SCAMS: 2, SECURITY: 1}, Category.values)
    assert figures.by_source == tallies(
        {SourceType.VOLUNTARY: 6, SourceType.ARTICLE_16: 2, SourceType.TRUSTED_FLAGGER: 1}, SourceType.values
    )
    assert figures.by_detection == [Tally("automated", 6), Tally("human", 3)]
    assert figures.by_automated_decision == tallies(
        {AutomatedDecision.FULLY: 6, AutomatedDecision.PARTIALLY: 1, AutomatedDecision.NOT_AUTOMATED: 2},
        AutomatedDecision.values,
    )


def test_the_report_counts_notices_appeals_and_outcomes(march: None) -> None:
    report = transparency_report(since=MARCH, until=APRIL)
    assert report.notices == NoticeFigures(sent=11, delivered=8, bounced=1, failed=1, pending=1)
    assert report.appeals == AppealFigures(received=8, withdrawn=1, decided=5)
    assert report.outcomes == Outcomes(key="all", upheld=2, overturned=2, modified=1)
    assert report.outcomes.reversal_rate == 0.6
    decided_categories = [row for row in report.by_category if row.decided]
    assert decided_categories == [
        Outcomes(key=SPEECH, upheld=2, overturned=1, modified=1),
        Outcomes(key=SCAMS, upheld=0, overturned=1, modified=0),
    ]
    assert [row.reversal_rate for row in decided_categories] == [0.5, 1.0]
    assert len(report.by_category) == len(Category.values)
    assert report.by_detection == [
        Outcomes(key="automated", upheld=2, overturned=1, modified=1),
        Outcomes(key="human", upheld=0, overturned=1, modified=0),
    ]


def test_the_report_gives_the_time_to_decision_with_and_without_a_request_for_information(march: None) -> None:
    report = transparency_report(since=MARCH, until=APRIL)
    # 12, 36, 60, 84 and 108 hours; the 84 hours are the appeal that waited for an answer.
    assert report.times == DecisionTimes(decided=5, median=hours(60), p90=hours(98.4))
    assert report.information_requests == InformationRequests(
        sent=1,
        with_request=DecisionTimes(decided=1, median=hours(84), p90=hours(84)),
        without_request=DecisionTimes(decided=4, median=hours(48), p90=hours(93.6)),
    )


def test_an_empty_period_has_zeros_and_no_times(march: None) -> None:
    report = transparency_report(since=date(2020, 1, 1), until=date(2020, 2, 1))
    assert (report.suspensions.total, report.notices.sent, report.appeals.received) == (0, 0, 0)
    assert report.times == DecisionTimes(decided=0, median=None, p90=None)
    assert report.outcomes.reversal_rate is None


def test_the_report_makes_the_same_few_queries_however_many_cases(
    rita: User, rex: User, django_assert_max_num_queries: Any
) -> None:
    seed(MARCH, rita)
    with django_assert_max_num_queries(TRANSPARENCY_QUERIES) as few:
        transparency_report(since=MARCH, until=APRIL)
    seed(MARCH, rex)
    with django_assert_max_num_queries(TRANSPARENCY_QUERIES) as many:
        report = transparency_report(since=MARCH, until=APRIL)
    assert report.suspensions.total == 18
    assert len(few) == len(many)


def test_the_report_counts_warnings_and_blocks_for_misuse_issued_in_the_period(
    march: None, rita: User, sam: User
) -> None:
    def unfounded_appeal() -> None:
        appeal = make_appeal(make_suspension("mallory"))
        appeal_decide(appeal=appeal, by=rita, outcome=Outcome.UPHELD, reasons="Nothing new.", manifestly_unfounded=True)

    for _ in range(3):
        unfounded_appeal()
    misuse_warning_issue(handle_key="mallory", by=sam, reasons="Three appeals repeated the same claim.")
    unfounded_appeal()
    misuse_block_impose(handle_key="mallory", by=sam, reasons="A fourth after the warning.", days=30)
    assert transparency_report(since=MARCH, until=APRIL).misuse == MisuseFigures(warnings=0, blocks=0)
    MisuseMeasure.objects.update(decided_at=at(MARCH, timedelta(days=12)))
    assert transparency_report(since=MARCH, until=APRIL).misuse == MisuseFigures(warnings=1, blocks=1)


# --- CSV, JSON and the command ----------------------------------------------------------------------------------------

EXPECTED = {
    "suspensions.total": 9,
    "suspensions.never_informed": 1,
    f"suspensions.category.{SCAMS}": 2,
    "suspensions.detection.human": 3,
    f"suspensions.automated_decision.{AutomatedDecision.PARTIALLY}": 1,
    "notices.sent": 11,
    "notices.bounced": 1,
    "notices.pending": 1,
    "appeals.received": 8,
    "appeals.withdrawn": 1,
    "appeals.decided": 5,
    "decisions.upheld": 2,
    "decisions.reversal_rate": 0.6,
    f"decisions.category.{SPEECH}.modified": 1,
    f"decisions.category.{SPEECH}.decided": 4,
    f"decisions.category.{SPEECH}.reversal_rate": 0.5,
    "decisions.detection.human.overturned": 1,
    "times.median_seconds": 60 * 3600,
    "times.p90_seconds": 354240,  # 98.4 hours
    "information_requests.sent": 1,
    "information_requests.decided_with_request": 1,
    "information_requests.with_request.median_seconds": 84 * 3600,
    "information_requests.without_request.p90_seconds": 336960,  # 93.6 hours
    "misuse.warnings": 0,
}


def test_the_json_holds_every_figure(march: None) -> None:
    data = report_json(transparency_report(since=MARCH, until=APRIL))
    assert (data["since"], data["until"]) == ("2026-03-01", "2026-04-01")
    assert {name: data["figures"][name] for name in EXPECTED} == EXPECTED
    assert data["figures"][f"decisions.category.{Category.VIOLENCE}.reversal_rate"] is None


def test_the_csv_holds_the_same_figures(march: None) -> None:
    rows = list(csv.reader(io.StringIO(report_csv(transparency_report(since=MARCH, until=APRIL)))))
    assert rows[:3] == [["figure", "value"], ["period.since", "2026-03-01"], ["period.until", "2026-04-01"]]
    values = dict(rows[3:])
    assert {name: values[name] for name in EXPECTED} == {name: str(value) for name, value in EXPECTED.items()}
    assert values[f"decisions.category.{Category.VIOLENCE}.reversal_rate"] == ""


def test_the_command_writes_the_report_as_json_or_csv(march: None, tmp_path: Path) -> None:
    out = io.StringIO()
    call_command("transparency_report", "--since", "2026-03-01", "--until", "2026-04-01", stdout=out)
    assert json.loads(out.getvalue()) == report_json(transparency_report(since=MARCH, until=APRIL))
    target = tmp_path / "march.csv"
    call_command(
        "transparency_report",
        "--since=2026-03-01",
        "--until=2026-04-01",
        "--format=csv",
        f"--output={target}",
        stderr=io.StringIO(),
    )
    assert target.read_text() == report_csv(transparency_report(since=MARCH, until=APRIL))


def test_the_command_refuses_a_period_that_ends_before_it_starts(db: None) -> None:
    with pytest.raises(CommandError, match="must be after"):
        call_command("transparency_report", "--since", "2026-04-01", "--until", "2026-03-01")


# --- the staff page -------------------------------------------------------------------------------------------------

MARCH_QUERY = "?first=2026-03-01&last=2026-03-31"


def get(client: Client, url: str, status: int = 200) -> HttpResponse:
    response = cast(HttpResponse, client.get(url))
    assert response.status_code == status, response.content[:500]
    return response


def test_the_staff_report_shows_each_section_as_a_table_and_a_chart(march: None, rita: User) -> None:
    html = get(staff_client(rita), f"/review/transparency/{MARCH_QUERY}").content.decode()
    assert '<th scope="row">Suspensions and terminations</th><td class="figure-count">9</td>' in html
    assert '<th scope="row">Scams and fraud</th><td class="figure-count">2</td>' in html
    assert '<th scope="row">Bounced</th><td class="figure-count">1</td>' in html
    assert '<th scope="row">Withdrawn</th><td class="figure-count">1</td>' in html
    assert (
        '<th scope="row">All decided appeals</th><td class="figure-count">5</td>'
        '<td class="figure-derived">2 days 12 hours</td><td class="figure-derived">4 days 2 hours</td>'
    ) in html
    assert (
        '<th scope="row">Illegal or harmful speech</th><td class="figure-count">2</td><td class="figure-count">1</td>'
        '<td class="figure-count">1</td><td class="figure-count">4</td><td class="figure-derived">50%</td>'
    ) in html
    assert html.count("<svg") == 11  # one chart per section
    assert "Violence" not in html  # rows with nothing in them are left out of the staff report
    assert 'href="/review/transparency/report.csv?first=2026-03-01&amp;last=2026-03-31"' in html
    assert "style=" not in html
    assert "<style" not in html


def test_the_staff_report_defaults_to_the_last_full_month(rita: User) -> None:
    html = get(staff_client(rita), "/review/transparency/").content.decode()
    last = timezone.localdate().replace(day=1) - timedelta(days=1)
    assert f'value="{last.replace(day=1).isoformat()}"' in html
    assert f'value="{last.isoformat()}"' in html


def test_a_period_that_ends_before_it_starts_is_refused_with_the_dates_kept(rita: User) -> None:
    response = get(staff_client(rita), "/review/transparency/?first=2026-03-31&last=2026-03-01", status=400)
    html = response.content.decode()
    assert "The last day must not be before the first day." in html
    assert 'value="2026-03-31"' in html
    assert "<svg" not in html


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("first=2026-02-30&last=2026-03-01", "Enter a valid date."),
        ("first=2026-03-01", "This field is required."),
        ("first=2026-03-01&last=9999-12-31", "Ensure this value is less than or equal to 9999-12-30."),
    ],
)
def test_a_bad_period_is_refused_with_a_clear_message(query: str, message: str, rita: User) -> None:
    html = get(staff_client(rita), f"/review/transparency/?{query}", status=400).content.decode()
    assert message in html


def test_the_downloads_hold_the_same_figures_as_the_command(march: None, rita: User) -> None:
    client = staff_client(rita)
    report = transparency_report(since=MARCH, until=APRIL)
    as_csv = get(client, f"/review/transparency/report.csv{MARCH_QUERY}")
    assert as_csv["Content-Type"] == "text/csv; charset=utf-8"
    assert as_csv["Content-Disposition"] == 'attachment; filename="transparency-2026-03-01-2026-04-01.csv"'
    assert as_csv.content.decode() == report_csv(report)
    as_json = get(client, f"/review/transparency/report.json{MARCH_QUERY}")
    assert json.loads(as_json.content) == report_json(report)


def test_a_download_of_a_bad_period_answers_with_the_field_errors(rita: User) -> None:
    response = get(staff_client(rita), "/review/transparency/report.json?first=2026-03-31&last=nope", status=400)
    assert json.loads(response.content) == {"errors": {"last": [{"message": "Enter a valid date.", "code": "invalid"}]}}


@pytest.mark.parametrize("url", ["/review/transparency/", "/review/transparency/report.csv"])
def test_the_staff_report_is_for_reviewers_who_passed_the_second_factor(
    url: str, ada: User, alice_appeal: Appeal
) -> None:
    login = f"/review/login/?next={url.replace('/', '%2F')}"
    assert (Client().get(url).status_code, Client().get(url)["Location"]) == (302, login)
    assert signed_in(alice_appeal.suspension).get(url)["Location"] == login
    half_signed_in = Client()
    half_signed_in.force_login(ada, backend="django.contrib.auth.backends.ModelBackend")
    assert half_signed_in.get(url)["Location"].startswith("/review/login/code/")
    assert staff_client(ada).get(url).status_code == 403


# Session, user, TOTP device, two permission reads, then the report's own queries.
STAFF_PAGE_QUERIES = 5 + TRANSPARENCY_QUERIES


def test_the_staff_report_costs_the_same_queries_for_one_or_two_months_of_cases(
    rita: User, rex: User, django_assert_max_num_queries: Any
) -> None:
    client = staff_client(rita)
    seed(MARCH, rita)
    with django_assert_max_num_queries(STAFF_PAGE_QUERIES) as few:
        get(client, f"/review/transparency/{MARCH_QUERY}")
    seed(MARCH, rex)
    with django_assert_max_num_queries(STAFF_PAGE_QUERIES) as many:
        html = get(client, f"/review/transparency/{MARCH_QUERY}").content.decode()
    assert len(few) == len(many)
    assert '<th scope="row">Suspensions and terminations</th><td class="figure-count">18</td>' in html


# --- the public page ------------------------------------------------------------------------------------------------

THRESHOLD = 3
CELL = re.compile(r'<td class="figure-count( suppressed)?">([^<]*)</td>')


@pytest.fixture
def latest_half_year(rita: User, settings: Any) -> date:
    """The known cases in the first month of the half-year the public page shows first, with a threshold of 3."""
    settings.TRANSPARENCY_MIN_COUNT = THRESHOLD
    start = published_half_years(timezone.localdate())[0].since
    seed(start, rita)
    return start


def public_page(url: str = "/transparency/") -> str:
    return get(Client(), url).content.decode()


def test_the_public_page_shows_no_count_below_the_threshold(latest_half_year: date) -> None:
    html = public_page()
    cells = CELL.findall(html)
    assert len(cells) > 50
    for withheld_class, text in cells:
        if withheld_class:
            assert text in ("fewer than 3", "withheld")
        else:
            assert int(text) >= THRESHOLD
    # The restriction applied 10 days before the half-year is not in it; the 9 inside are.
    assert '<th scope="row">Suspensions and terminations</th><td class="figure-count">9</td>' in html
    assert '<th scope="row">Scams and fraud</th><td class="figure-count suppressed">fewer than 3</td>' in html
    assert "style=" not in html


def test_the_public_page_withholds_a_count_that_subtraction_would_reveal(latest_half_year: date) -> None:
    # 9 restrictions: 7 on terms, 2 illegal content. Showing 7 beside a total of 9 would give away the 2.
    html = public_page()
    assert '<th scope="row">Illegal content</th><td class="figure-count suppressed">fewer than 3</td>' in html
    assert (
        '<th scope="row">Content incompatible with the terms and conditions</th>'
        '<td class="figure-count suppressed">withheld</td>'
    ) in html


def test_the_public_page_withholds_rates_and_times_computed_from_small_counts(latest_half_year: date) -> None:
    html = public_page()
    # 6 appeals decided in the half-year (five in its first month, one after), 1 of them after a request.
    assert (
        '<th scope="row">After a request for information</th><td class="figure-count suppressed">fewer than 3</td>'
        '<td class="figure-derived suppressed">withheld</td><td class="figure-derived suppressed">withheld</td>'
    ) in html


def test_the_public_page_says_nothing_about_any_one_person(latest_half_year: date) -> None:
    html = public_page()
    for suspension in Suspension.objects.all():
        assert suspension.handle not in html
        assert suspension.puid not in html
        assert suspension.account_email not in html


def test_complementary_suppression_never_leaves_one_withheld_count_alone_in_a_sum() -> None:
    counts = {"total": 30, "a": 2, "b": 12, "c": 16, "x": 20, "y": 10}
    partitions = [("total", ["a", "b", "c"]), ("total", ["x", "y"])]
    # "a" is below 10; then "b", the smallest beside it, goes too. "x" and "y" are both shown: nothing is withheld.
    assert withheld(counts, partitions, threshold=10) == {"a", "b"}
    # "y" is withheld beside "x"; as the total of y1 and y2, both shown, it would be their sum: y1 goes too.
    counts = {"all": 30, "x": 3, "y": 27, "y1": 13, "y2": 14}
    partitions = [("all", ["x", "y"]), ("y", ["y1", "y2"])]
    assert withheld(counts, partitions, threshold=10) == {"x", "y", "y1"}
    rows = {"r": 25, "r1": 12, "r2": 13, "s": 25, "s1": 3, "s2": 22, "c1": 15, "c2": 35, "all": 50}
    sums = [("r", ["r1", "r2"]), ("s", ["s1", "s2"]), ("c1", ["r1", "s1"]), ("c2", ["r2", "s2"]), ("all", ["r", "s"])]
    # s1 < 10 takes s2 (its row) and r1 (its column) with it, and then r2 (r1's row): four cells, none alone.
    assert withheld(rows, sums, threshold=10) == {"s1", "s2", "r1", "r2"}


def test_the_public_figures_are_computed_once_and_then_read_from_the_cache(
    latest_half_year: date, django_assert_num_queries: Any
) -> None:
    with django_assert_num_queries(TRANSPARENCY_QUERIES):
        first = public_page()
    with django_assert_num_queries(0):
        response = get(Client(), "/transparency/")
    token = re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"')
    assert token.sub("", response.content.decode()) == token.sub("", first)
    assert response["Cache-Control"] == "private, max-age=3600"


def test_the_public_page_offers_the_last_six_complete_half_years(db: None) -> None:
    periods = published_half_years(timezone.localdate())
    html = public_page()
    assert f'<strong aria-current="page">{periods[0].label}</strong>' in html
    for period in periods[1:]:
        assert f'<a href="/transparency/{period.slug}/">{period.label}</a>' in html
    assert "<h1>Transparency report</h1>" in public_page(f"/transparency/{periods[-1].slug}/")
    assert Client().get(f"/transparency/{periods[-1].previous().slug}/").status_code == 404
    this_half = 1 if timezone.localdate().month <= 6 else 2
    assert Client().get(f"/transparency/{timezone.localdate().year}-h{this_half}/").status_code == 404
    assert Client().get("/transparency/2026-h3/").status_code == 404


def test_the_half_years_are_complete_ones_latest_first() -> None:
    assert [period.slug for period in published_half_years(date(2026, 11, 25))] == [
        "2026-h1",
        "2025-h2",
        "2025-h1",
        "2024-h2",
        "2024-h1",
        "2023-h2",
    ]
    assert published_half_years(date(2026, 7, 1))[0].slug == "2026-h1"
    assert published_half_years(date(2026, 6, 30))[0].slug == "2025-h2"


def test_the_appellant_pages_link_to_the_transparency_report(db: None) -> None:
    html = get(Client(), "/appeal/").content.decode()
    assert '<a href="/transparency/">Transparency report</a>' in html


def test_public_figures_with_threshold_zero_withhold_nothing(march: None) -> None:
    figures = public_figures(transparency_report(since=MARCH, until=APRIL), threshold=0)
    assert None not in figures.counts.values()
    assert not figures.derived_withheld
