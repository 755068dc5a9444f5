"""manage.py seed_demo: a believable demo, built only through the real services so the rules and the audit trail hold.

The story: an automated extremism classifier swept up a few hundred accounts in one wave. Most were rightly
restricted; a handful were activists, researchers and journalists who post extremist material to expose it.
Everything comes from one seeded Random (the same data on every run) and rows are looked up by the platform's id
before anything is created, so a second run adds nothing.
"""

import os
import random
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.files.uploadedfile import SimpleUploadedFile, UploadedFile
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.db.models import Count, Exists, OuterRef
from django.utils import timezone

from accounts.models import User
from accounts.roles import Role
from accounts.services import staff_create
from appeals.choices import (
    EU_COUNTRIES,
    AccountType,
    AutomatedDecision,
    Category,
    ContentType,
    DecisionAccount,
    DecisionGround,
    SourceType,
)
from appeals.models import (
    Appeal,
    AppealReason,
    AppealStatus,
    Decision,
    Notice,
    NoticeStatus,
    Outcome,
    Suspension,
    Wave,
)
from appeals.services import (
    appeal_answer,
    appeal_claim,
    appeal_decide,
    appeal_escalate,
    appeal_file,
    appeal_file_unverified,
    appeal_message_post,
    appeal_request_info,
    appeal_withdraw,
    decision_approve,
    decision_send_back,
)
from appeals.suspensions import notice_record, suspension_ingest
from portal.audit.actors import Actor

DEFAULT_PASSWORD = "recourse-demo-2026"
DEFAULT_WAVE_SIZE = 300
SEED = 2026
WAVE_KEY = "2026-11-terror-sweep"
DETECTION_RULE = "extremism-classifier-v7/rule-4471"
TERRORIST_CONTENT = "KEYWORD_TERRORIST_CONTENT"
GUIDELINE = "Community Guidelines §3.2 — Violent extremism"
TCO_GROUND = "Regulation (EU) 2021/784 (TCO), Art. 2(7)"
PLATFORM = Actor.system("platform (demo feed)")
SEEDER = Actor.system("seed_demo")
PUID_PREFIX = "demo-"  # every demo case's platform id starts so, which tells them apart from real ones
# The wave is dated relative to the run, so the six-month appeal window is open whenever the demo is built.
WAVE_DAYS_AGO = 6

EMAIL_DOMAINS = ("example.org", "example.net", "example.com")
FIRST_NAMES = (
    "lena", "jonas", "amir", "sofia", "mateo", "ines", "lukas", "yara", "tomasz", "elif", "noah", "marta",
    "karim", "chloe", "emil", "nadia", "pieter", "ana", "oskar", "leila", "dario", "freya", "milan", "zeynep",
    "hugo", "irina", "samir", "julia", "anton", "mila",
)  # fmt: skip
SURNAMES = (
    "weber", "rossi", "nowak", "dubois", "jansen", "silva", "novak", "horvat", "larsen", "kaya", "moreno",
    "fischer", "costa", "bauer", "popescu", "virtanen", "murphy", "schmidt", "garcia", "haddad",
)  # fmt: skip
ADJECTIVES = ("quiet", "grey", "lucky", "wild", "late", "north", "salty", "urban", "lazy", "tiny", "rusty", "midnight")
NOUNS = ("falcon", "heron", "lynx", "otter", "raven", "fox", "comet", "harbor", "pixel", "cactus", "lantern", "orbit")
CITIES = ("berlin", "lyon", "gdansk", "porto", "malmo", "gent", "turin", "cluj", "brno", "riga", "graz", "bilbao")
TOPICS = ("gamer", "beats", "films", "travels", "fit", "cooks", "memes", "news", "talks", "art")
# Fictional organisations: a demo should not put words in the mouth of a real NGO.
TRUSTED_FLAGGERS = (
    "Stiftung Digitale Zivilcourage e.V.",
    "Observatoire européen de la haine en ligne",
    "Nordic Network Against Violent Extremism",
    "Fundación Redes Seguras",
    "Centrum Przeciw Ekstremizmowi Online",
)
BOUNCES = (
    "550 5.1.1 mailbox unavailable",
    "550 5.1.1 The email account that you tried to reach does not exist",
    "552 5.2.2 Mailbox full: quota exceeded for 30 days",
    "554 5.7.1 Recipient address rejected: domain no longer accepts mail",
)
INCOMPATIBLE_EXPLANATIONS = (
    "Our Community Guidelines do not allow content that promotes, supports or represents violent extremist "
    "organisations, including sharing their propaganda.",
    "Sharing material produced by a terrorist organisation is not allowed, whatever the caption, unless it is "
    "clearly framed as news, research, education or counter-speech.",
)
ILLEGAL_EXPLANATIONS = (
    "The content is terrorist content within the meaning of Art. 2(7) of Regulation (EU) 2021/784: material that "
    "glorifies terrorist offences and solicits others to commit them.",
    "The content solicits people to participate in the activities of a terrorist group (Regulation (EU) 2021/784, "
    "Art. 2(7)(c)).",
)


# --- what gets built ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StaffMember:
    key: str
    full_name: str
    role: Role
    superuser: bool = False

    @property
    def email(self) -> str:
        return f"{self.key}@recourse.example"


STAFF = (
    StaffMember("ada", "Ada Okonkwo", Role.ADMINISTRATOR, superuser=True),
    StaffMember("rita", "Rita Moreau", Role.REVIEWER),
    StaffMember("rex", "Rex Lindqvist", Role.REVIEWER),
    StaffMember("sam", "Sam Kowalczyk", Role.SENIOR_REVIEWER),
    StaffMember("sue", "Sue Tanaka", Role.SENIOR_REVIEWER),
)


@dataclass(frozen=True)
class Finding:
    """What the platform says it found: facts in its own voice, and the post as the appellant will see it."""

    facts: str
    description: str
    content_type: tuple[str, ...]


FINDINGS = (
    Finding(
        "A post on {day} contained a video excerpt from the official media outlet of an organisation on the EU list "
        "of terrorist groups. The footage matched {matches} entries in the shared hash database of known terrorist "
        "content.",
        "A {seconds}-second video clip from a terrorist group's propaganda release, posted with a short caption.",
        (ContentType.VIDEO, ContentType.TEXT),
    ),
    Finding(
        "Between {day} and the restriction the account posted {n} images carrying the flag and insignia of a "
        "designated terrorist organisation, several with captions that praise its fighters.",
        "{n} images showing the group's flag and insignia, some with captions.",
        (ContentType.IMAGE, ContentType.TEXT),
    ),
    Finding(
        "A post on {day} re-shared a recruitment message from a channel run by a designated terrorist organisation "
        "and linked to that channel. Classifier confidence {score} (threshold 0.90).",
        "A re-shared recruitment message with a link to a channel on an encrypted messenger.",
        (ContentType.TEXT,),
    ),
    Finding(
        "A post on {day} described the perpetrators of a recent terrorist attack in Europe as heroes and called on "
        "others to follow their example.",
        "A text post about a recent attack, with a photograph of the attackers.",
        (ContentType.TEXT, ContentType.IMAGE),
    ),
    Finding(
        "An audio post on {day} contained a chant released by a terrorist group's media wing; the audio fingerprint "
        "matched a known release. The account had posted {n} similar items in the month before.",
        "An audio clip of a chant, set over a still image.",
        (ContentType.AUDIO, ContentType.IMAGE),
    ),
    Finding(
        "A post on {day} shared a manual attributed to a designated terrorist organisation that describes how to "
        "plan attacks on crowded places. The pages matched {matches} entries in the shared hash database.",
        "A document shared as a series of {n} page images.",
        (ContentType.IMAGE,),
    ),
    Finding(
        "A video posted on {day} used AI-generated footage in the visual style of a terrorist group's propaganda, "
        "showing its fighters as victorious. Classifier confidence {score} (threshold 0.90).",
        "A {seconds}-second AI-generated video in the style of a terrorist group's propaganda.",
        (ContentType.SYNTHETIC_MEDIA, ContentType.VIDEO),
    ),
)
# Indexes into FINDINGS, so an appeal's statement can name the kind of post it is about.
CLIP, FLAG_IMAGES, RECRUITMENT, PRAISE, CHANT, MANUAL, SYNTHETIC = range(len(FINDINGS))


class Story(StrEnum):
    """How far an appeal has got, as the sequence of real service calls that takes it there."""

    SUBMITTED = "submitted"
    CLAIMED = "claimed"
    CLAIMED_WITH_NOTE = "claimed, internal note"
    INFO_REQUESTED = "information requested"
    ANSWERED = "information requested and answered"
    PROPOSED = "decision proposed"
    SENT_BACK = "decision proposed and sent back"
    DECIDED = "decided (approved if sensitive)"
    WITHDRAWN = "withdrawn"
    WITHDRAWN_IN_REVIEW = "claimed, then withdrawn"
    ESCALATED = "escalated"
    ESCALATED_TAKEN = "escalated, claimed by a senior"


@dataclass(frozen=True)
class AppealPlan:
    story: Story
    reason: AppealReason
    statement: str
    reviewer: str = "rita"
    approver: str = "sam"
    outcome: Outcome | None = None
    reasons: str = ""
    question: str = ""
    answer: str = ""
    note: str = ""
    language: str = "en"
    new_contact: str = ""  # "{handle}" is filled in; empty means the address the platform has on file
    evidence: tuple[str, str] | None = None  # (file name, text) filed with the appeal
    answer_evidence: tuple[str, str] | None = None
    finding: int | None = None  # which FINDINGS entry the appealed post was, so the statement fits the facts


@dataclass(frozen=True)
class NoticeSpec:
    channel: str
    address: str
    status: NoticeStatus
    sent_at: datetime
    detail: str = ""
    delay: timedelta = timedelta(seconds=40)  # until the provider reported the status


@dataclass
class AccountSpec:
    puid: str
    fields: dict[str, Any]
    notices: tuple[NoticeSpec, ...]
    in_wave: bool = True
    appeal: AppealPlan | None = None
    original_decider: str = ""
    finding_values: dict[str, Any] = field(default_factory=dict)
    source_note: str = ""

    @property
    def handle(self) -> str:
        return str(self.fields["handle"])

    @property
    def never_informed(self) -> bool:
        return all(notice.status != NoticeStatus.DELIVERED for notice in self.notices)


@dataclass(frozen=True)
class Cast:
    """The staff, by first name, and the moment the demo was built (reply-by dates and new end dates count from it)."""

    users: dict[str, User]
    now: datetime

    def __getitem__(self, key: str) -> User:
        return self.users[key]


# --- the wave ----------------------------------------------------------------------------------------------------


def wave_accounts(rng: random.Random, size: int, start: datetime) -> list[AccountSpec]:
    """The first accounts carry the planned appeals and are drawn before the rest, so they come out the same whatever
    --wave-size says; a rerun with another size then only adds or skips accounts that have no appeal."""
    taken = {activist.handle for activist in ACTIVISTS}
    accounts = [_wave_account(rng, number, start, taken) for number in range(1, APPEAL_POOL + 1)]
    assign_wave_appeals(rng, accounts)
    accounts += [_wave_account(rng, number, start, taken) for number in range(APPEAL_POOL + 1, size + 1)]
    return accounts


def _wave_account(rng: random.Random, number: int, start: datetime, taken: set[str]) -> AccountSpec:
    handle = _new_handle(rng, taken)
    email = f"{handle}@{rng.choice(EMAIL_DOMAINS)}"
    applied = start + timedelta(seconds=rng.randint(0, 14 * 3600))
    source, source_note = _source(rng)
    finding, values = rng.choice(FINDINGS), _finding_values(rng, applied)
    fields: dict[str, Any] = {
        "handle": handle,
        "account_email": email,
        "account_type": AccountType.BUSINESS if rng.random() < 0.05 else AccountType.PRIVATE,
        **_restriction(rng, applied),
        **_ground(rng),
        **source,
        **_described(finding, values, source_note),
        "territorial_scope": _territories(rng),
    }
    notices = _wave_notices(rng, applied, email)
    puid = f"{PUID_PREFIX}{WAVE_KEY}-{number:06d}"
    return AccountSpec(puid, fields, notices, finding_values=values, source_note=source_note)


def _new_handle(rng: random.Random, taken: set[str]) -> str:
    styles: tuple[Callable[[], str], ...] = (
        lambda: f"{rng.choice(FIRST_NAMES)}_{rng.choice(SURNAMES)}",
        lambda: f"{rng.choice(FIRST_NAMES)}.{rng.choice(SURNAMES)}{rng.randint(1, 99)}",
        lambda: f"{rng.choice(ADJECTIVES)}{rng.choice(NOUNS)}{rng.randint(1, 999)}",
        lambda: f"{rng.choice(NOUNS)}_{rng.choice(CITIES)}",
        lambda: f"{rng.choice(FIRST_NAMES)}{rng.choice(TOPICS)}",
        lambda: f"{rng.choice(CITIES)}_{rng.choice(TOPICS)}_{rng.randint(1990, 2009)}",
    )
    while True:
        handle = rng.choice(styles)()
        if handle not in taken:
            taken.add(handle)
            return handle


def _restriction(rng: random.Random, applied: datetime) -> dict[str, Any]:
    if rng.random() < 0.25:
        return {
            "decision_account": DecisionAccount.SUSPENDED,
            "application_date": applied,
            "end_date_account_restriction": applied + timedelta(days=rng.choice((30, 90, 180))),
        }
    return {"decision_account": DecisionAccount.TERMINATED, "application_date": applied}


def _ground(rng: random.Random) -> dict[str, Any]:
    if rng.random() < 0.2:
        return {
            "decision_ground": DecisionGround.ILLEGAL_CONTENT,
            "illegal_content_legal_ground": TCO_GROUND,
            "illegal_content_explanation": rng.choice(ILLEGAL_EXPLANATIONS),
        }
    return {
        "decision_ground": DecisionGround.INCOMPATIBLE_CONTENT,
        "incompatible_content_ground": GUIDELINE,
        "incompatible_content_explanation": rng.choice(INCOMPATIBLE_EXPLANATIONS),
        "incompatible_content_illegal": rng.choice((True, None)),
    }


def _source(rng: random.Random) -> tuple[dict[str, Any], str]:
    """Most of the wave is the classifier acting alone; some came from trusted flaggers and a moderator."""
    if rng.random() < 0.15:
        flagger = rng.choice(TRUSTED_FLAGGERS)
        automation = rng.choice((AutomatedDecision.PARTIALLY, AutomatedDecision.NOT_AUTOMATED))
        note = f"Reported by {flagger}, a trusted flagger under Art. 22 DSA; a moderator confirmed the report."
        return _sourced(SourceType.TRUSTED_FLAGGER, flagger, automation, rule=""), note
    note = f"Detected and decided automatically by {DETECTION_RULE}; no person reviewed the post before the decision."
    return _sourced(SourceType.VOLUNTARY, "", AutomatedDecision.FULLY, rule=DETECTION_RULE), note


def _sourced(source_type: str, identity: str, automation: str, *, rule: str) -> dict[str, Any]:
    return {
        "source_type": source_type,
        "source_identity": identity,
        "automated_detection": bool(rule),
        "automated_decision": automation,
        "detection_rule": rule,
    }


def _finding_values(rng: random.Random, applied: datetime) -> dict[str, Any]:
    posted = applied - timedelta(days=rng.randint(0, 20))
    return {
        "posted": posted.date(),
        "day": f"{posted.day} {posted:%B %Y}",
        "n": rng.randint(2, 14),
        "matches": rng.randint(1, 5),
        "seconds": rng.choice((8, 15, 24, 40, 75)),
        "score": f"{rng.uniform(0.91, 0.995):.3f}",
    }


def _described(finding: Finding, values: dict[str, Any], source_note: str) -> dict[str, Any]:
    return {
        "category": Category.RISK_FOR_PUBLIC_SECURITY,
        "category_specification": [TERRORIST_CONTENT],
        "decision_facts": f"{finding.facts.format(**values)} {source_note}",
        "content_description": finding.description.format(**values),
        "content_type": list(finding.content_type),
        "content_date": values["posted"],
    }


def _territories(rng: random.Random) -> list[str]:
    if rng.random() < 0.4:
        return list(EU_COUNTRIES)
    return sorted(rng.sample(EU_COUNTRIES, rng.randint(1, 4)))


def _wave_notices(rng: random.Random, applied: datetime, email: str) -> tuple[NoticeSpec, ...]:
    """About one in ten notices bounce and nothing else reaches the person: those cases stay 'never informed'."""
    roll = rng.random()
    sent = applied + timedelta(minutes=rng.randint(1, 45))
    if roll >= 0.13:
        return (NoticeSpec(Notice.Channel.EMAIL, email, NoticeStatus.DELIVERED, sent),)
    bounce = NoticeSpec(Notice.Channel.EMAIL, email, NoticeStatus.BOUNCED, sent, detail=rng.choice(BOUNCES))
    if roll < 0.10:
        return (bounce,)
    # The platform tried its in-app inbox a day later, and that reached the person.
    retry_at = sent + timedelta(days=1)
    retry = NoticeSpec(Notice.Channel.IN_APP, "", NoticeStatus.DELIVERED, retry_at, delay=timedelta(hours=3))
    return (bounce, retry)


# --- the activists -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Activist:
    """Someone who posts extremist material to take it apart, swept up by the same rule as everyone else."""

    handle: str
    email: str
    minutes_into_wave: int
    facts: str
    description: str
    content_type: tuple[str, ...]
    plan: AppealPlan
    bounced: bool = False


def activist_account(activist: Activist, start: datetime) -> AccountSpec:
    applied = start + timedelta(minutes=activist.minutes_into_wave)
    fields: dict[str, Any] = {
        "handle": activist.handle,
        "account_email": activist.email,
        "account_type": AccountType.PRIVATE,
        "decision_account": DecisionAccount.TERMINATED,
        "application_date": applied,
        "decision_ground": DecisionGround.INCOMPATIBLE_CONTENT,
        "incompatible_content_ground": GUIDELINE,
        "incompatible_content_explanation": INCOMPATIBLE_EXPLANATIONS[1],
        **_sourced(SourceType.VOLUNTARY, "", AutomatedDecision.FULLY, rule=DETECTION_RULE),
        "category": Category.RISK_FOR_PUBLIC_SECURITY,
        "category_specification": [TERRORIST_CONTENT],
        "decision_facts": f"{activist.facts} Detected and decided automatically by {DETECTION_RULE}.",
        "content_description": activist.description,
        "content_type": list(activist.content_type),
        "content_date": (applied - timedelta(days=2)).date(),
        "territorial_scope": list(EU_COUNTRIES),
    }
    status = NoticeStatus.BOUNCED if activist.bounced else NoticeStatus.DELIVERED
    sent = applied + timedelta(minutes=7)
    detail = BOUNCES[0] if activist.bounced else ""
    notice = NoticeSpec(Notice.Channel.EMAIL, activist.email, status, sent, detail=detail)
    return AccountSpec(activist_puid(activist.handle), fields, (notice,), appeal=activist.plan)


def activist_puid(handle: str) -> str:
    return f"{PUID_PREFIX}{WAVE_KEY}-{handle}"


ACTIVISTS = (
    Activist(
        handle="counterjihad_research",
        email="counterjihad_research@example.org",
        minutes_into_wave=95,
        facts="Four images in a thread posted by the account matched known terrorist propaganda in the shared hash "
        "database. The text of the thread was not assessed.",
        description="A thread of nine posts taking a terrorist group's new recruitment video apart frame by frame. "
        "Four posts show stills from the video, each captioned with the claim it makes and why that claim is false.",
        content_type=(ContentType.IMAGE, ContentType.TEXT),
        plan=AppealPlan(
            Story.DECIDED,
            AppealReason.CONTEXT_MISSED,
            "I am a researcher at a university centre that studies online radicalisation. The thread you removed "
            "was a frame-by-frame debunking of a recruitment video that was circulating among teenagers: every still "
            "is captioned with what the video wants you to believe and what actually happened. Teachers and "
            "journalists use these threads; I have posted them for six years. Please read the whole thread, not "
            "only the four images your system matched.",
            reviewer="rita",
            approver="sam",
            outcome=Outcome.OVERTURNED,
            reasons="We read the whole thread, not only the four images the system matched. Each still is paired "
            "with a clear rebuttal, and the thread as a whole warns readers against the group. That is research and "
            "counter-speech, which our guidelines protect. The automated match was right that the images are "
            "propaganda, but wrong to treat your use of them as spreading it. Your account is restored with all its "
            "posts. We are sorry for the disruption to your work.",
            evidence=(
                "thread-archive.txt",
                "Archived copy of the thread, all nine posts with their captions:\n"
                "https://archive.example.org/thread/counterjihad_research/recruitment-video-debunk\n",
            ),
        ),
    ),
    Activist(
        handle="exitdeutschland_helper",
        email="exitdeutschland_helper@example.net",
        minutes_into_wave=210,
        facts="A video posted by the account contained 30 seconds of footage from the propaganda of a banned "
        "right-wing terrorist group; the audio fingerprint matched a known release.",
        description="A 30-second clip from a right-wing terrorist group's propaganda, posted with a German warning to "
        "parents about how the group approaches teenagers on gaming platforms, and the number of a counselling line.",
        content_type=(ContentType.VIDEO, ContentType.TEXT),
        plan=AppealPlan(
            Story.PROPOSED,
            AppealReason.CONTEXT_MISSED,
            "Ich arbeite seit acht Jahren ehrenamtlich für ein Aussteigerprogramm. Das Video habe ich gepostet, um "
            "Eltern zu zeigen, wie diese Gruppe Jugendliche über Gaming-Plattformen anspricht – mit einer deutlichen "
            "Warnung im Text und der Nummer unserer Beratungsstelle. Ich verbreite keine Propaganda, ich arbeite "
            "dagegen. Bitte stellen Sie mein Konto wieder her; Eltern schreiben mir dort jeden Tag.",
            reviewer="rita",
            outcome=Outcome.OVERTURNED,
            reasons="Wir haben das ganze Video und Ihren Begleittext angesehen. Der Ausschnitt stammt aus "
            "Propaganda, aber Sie zeigen ihn, um Eltern zu warnen, und nennen eine Beratungsstelle. Das ist "
            "Aufklärung, die unsere Richtlinien ausdrücklich schützen. Wir stellen Ihr Konto wieder her und "
            "entschuldigen uns für die Unterbrechung Ihrer Arbeit.",
            language="de",
        ),
    ),
    Activist(
        handle="osint_against_hate",
        email="osint_against_hate@example.net",
        minutes_into_wave=330,
        facts="Twelve posts by the account contained images matching known terrorist propaganda in the shared hash "
        "database.",
        description="Archive notes from an open-source research collective: each post shows a blurred screenshot of "
        "propaganda, where and when it was found, and the number of the report filed with Europol's referral unit.",
        content_type=(ContentType.IMAGE, ContentType.TEXT),
        bounced=True,
        plan=AppealPlan(
            Story.CLAIMED_WITH_NOTE,
            AppealReason.CONTEXT_MISSED,
            "I never received an email about this. The address on the account is one our collective shut down last "
            "year, and I only found out when our account vanished. I am writing from our current address. We "
            "geolocate and archive terrorist propaganda so that researchers and prosecutors can use it: every post "
            "you removed was an archive note with the image blurred and the number of the report we filed with the "
            "authorities. We have done this for four years.",
            reviewer="rita",
            note="Filed from a new address, so identity is not verified, and the platform's notice bounced: this "
            "is the first they heard of it. Before deciding I'll ask the platform liaison to confirm through the "
            "account's in-app inbox that the holder wrote this appeal.",
            new_contact="osint.collective@example.com",
        ),
    ),
    Activist(
        handle="mariam_haddad_reports",
        email="mariam_haddad_reports@example.com",
        minutes_into_wave=415,
        facts="A post by the account contained a screenshot of a designated terrorist organisation's donation "
        "appeal, including a payment address.",
        description="A journalist's post linking to her published investigation into how a terrorist group raises "
        "money online, illustrated with a screenshot of the group's donation appeal.",
        content_type=(ContentType.IMAGE, ContentType.TEXT),
        plan=AppealPlan(
            Story.INFO_REQUESTED,
            AppealReason.CONTEXT_MISSED,
            "I am a freelance journalist. The post linked to my investigation into how this group raises money "
            "through crowdfunding pages, published last week. The screenshot is evidence in the story. I use this "
            "account to reach sources; without it my work stops.",
            reviewer="rita",
            question="Thank you for writing. Could you send us a link to the article as published, and a way for us "
            "to confirm you wrote it (for example the outlet's page for you, or a press card)? We ask because the "
            "screenshot still shows a working payment address, and we want to get this right.",
        ),
    ),
    Activist(
        handle="radicalisation_watch",
        email="radicalisation_watch@example.org",
        minutes_into_wave=520,
        facts="A post by the account quoted at length from a terrorist organisation's online magazine.",
        description="The third post in a thread that opens 'Here is what they tell young men, and why it is a lie', "
        "quoting the group's magazine in order to answer it.",
        content_type=(ContentType.TEXT,),
        plan=AppealPlan(
            Story.ANSWERED,
            AppealReason.CONTEXT_MISSED,
            "I run a small project that explains extremist recruitment to parents and youth workers. The post you "
            "flagged quotes the group's magazine, but it is the third post of a thread that answers every quote. "
            "Shown on its own it looks like propaganda; in the thread it is the opposite.",
            reviewer="rex",
            question="Could you tell us where the quoted passages come from, and show us the rest of the thread? "
            "The post we have does not say that the passages are quotes.",
            answer="They come from issue 14 of the group's magazine. The first post of the thread says 'Here is what "
            "they tell young men, and why it is a lie', and each quote is followed by our answer. I attach the whole "
            "thread as text.",
            answer_evidence=(
                "thread.txt",
                "1/ Here is what they tell young men, and why it is a lie.\n"
                "2/ They promise belonging. What they deliver is isolation from everyone who loves you.\n"
                "3/ (quote from issue 14) ... This is the line recruiters use most. Here is what happened to the men "
                "who believed it.\n",
            ),
        ),
    ),
    Activist(
        handle="hatewatch_archive",
        email="hatewatch_archive@example.org",
        minutes_into_wave=640,
        facts="The account posted 23 videos matching known terrorist propaganda in the shared hash database.",
        description="An archive account that re-posts propaganda videos as they appear, each with a one-line caption "
        "giving the date found and the source channel, for researchers and journalists.",
        content_type=(ContentType.VIDEO, ContentType.TEXT),
        plan=AppealPlan(
            Story.ESCALATED,
            AppealReason.CONTEXT_MISSED,
            "We are an archive. Researchers, journalists and two universities rely on us to document propaganda as "
            "it appears, before it is deleted. Every video carries the date we found it and where. Taking down the "
            "archive does not take down the propaganda; it only makes it harder to study.",
            reviewer="rex",
            note="Archive account with 40k followers, cited in the press. But the videos are raw propaganda with a "
            "one-line archival caption only, publicly visible. I am not sure the documentary exception covers this; "
            "it needs a senior decision, and maybe a policy call.",
        ),
    ),
)
ACTIVIST_HANDLES = tuple(activist.handle for activist in ACTIVISTS)


# --- appeals on wave accounts ------------------------------------------------------------------------------------


class Need(StrEnum):
    """Which kind of wave account an appeal needs, so its story is possible and makes sense."""

    INFORMED = "informed"
    NEVER_INFORMED = "never informed"
    TERMINATED = "terminated"
    TEMPORARY = "temporary"


def _upheld(statement: str, reason: AppealReason, finding: int, reasons: str, reviewer: str = "rex") -> AppealPlan:
    return AppealPlan(
        Story.DECIDED, reason, statement, reviewer=reviewer, outcome=Outcome.UPHELD, reasons=reasons, finding=finding
    )


WAVE_APPEALS: tuple[tuple[Need, AppealPlan], ...] = (
    (
        Need.INFORMED,
        AppealPlan(
            Story.SUBMITTED,
            AppealReason.NOT_VIOLATING,
            "I wrote about the attack the night it happened because I was angry and scared. The heroes in my post were "
            "the paramedics and the bus driver who got people out, not the attackers. I have never supported any of "
            "these groups. Please have a person read what I actually wrote.",
            finding=PRAISE,
        ),
    ),
    (
        Need.INFORMED,
        AppealPlan(
            Story.SUBMITTED,
            AppealReason.DISPROPORTIONATE,
            "I reposted a clip without watching it to the end, which was stupid, and I deleted it myself the next "
            "morning. But this account has eleven years of my family photos, and the page of my bicycle repair shop is "
            "linked to it. Closing it for good over one repost I regret is far too harsh.",
            finding=CLIP,
        ),
    ),
    (
        Need.INFORMED,
        AppealPlan(
            Story.SUBMITTED,
            AppealReason.NOT_ME,
            "My account was taken over the weekend before the suspension. I got a password-reset email I never asked "
            "for, and the post was made at 3 a.m. from a phone I do not own. I have changed my passwords and turned on "
            "two-factor login since. Please check the login history.",
            finding=RECRUITMENT,
        ),
    ),
    (
        Need.NEVER_INFORMED,
        AppealPlan(
            Story.SUBMITTED,
            AppealReason.NOT_VIOLATING,
            "I never received an email about this. The address on my account belonged to my old job and was closed "
            "when "
            "I left; I only found out when I could not log in. I am writing from my personal address. I run a page "
            "about "
            "local history, and the pictures were photographs from a museum exhibition about how the group recruited "
            "young people. The captions were the museum's own text.",
            new_contact="{handle}.home@example.net",
            finding=FLAG_IMAGES,
        ),
    ),
    (
        Need.INFORMED,
        AppealPlan(
            Story.CLAIMED,
            AppealReason.CONTEXT_MISSED,
            "I teach history at a secondary school. The images were slides from a lesson on how terrorist groups use "
            "symbols to look strong; my students asked me to share them. The captions you call praise are the quotes "
            "from the propaganda that we took apart in class. I can send the whole lesson plan.",
            reviewer="rex",
            finding=FLAG_IMAGES,
        ),
    ),
    (
        Need.INFORMED,
        AppealPlan(
            Story.CLAIMED_WITH_NOTE,
            AppealReason.OTHER,
            "The notice does not tell me which post this is about, and I cannot log in to look. I post music and "
            "gaming "
            "clips. Please tell me what I am supposed to have posted so that I can answer properly.",
            note="The statement of reasons we received names the post (an audio clip), but the notice the person got "
            "apparently did not. Worth raising with the platform liaison; I will quote the facts in my reply.",
            finding=CHANT,
        ),
    ),
    (
        Need.INFORMED,
        AppealPlan(
            Story.INFO_REQUESTED,
            AppealReason.CONTEXT_MISSED,
            "I am a documentary filmmaker. The clip comes from footage in our film about young people who joined armed "
            "groups and came back; I posted it to announce a screening and a discussion with a former member. The post "
            "said clearly what it was.",
            reviewer="rex",
            question="Thank you. Could you send us the film's title and a link to the screening announcement or the "
            "festival page? That helps us see the context the post was part of.",
            finding=CLIP,
        ),
    ),
    (
        Need.INFORMED,
        AppealPlan(
            Story.INFO_REQUESTED,
            AppealReason.NOT_VIOLATING,
            "It was a joke. I re-shared their post to mock how ridiculous it is; everyone who follows me knows I can't "
            "stand these people. Look at my other posts.",
            question="Thank you for writing. The post we have is the re-shared recruitment message with a link to the "
            "group's channel, and we can't see a comment from you with it. Could you tell us what you wrote with it, "
            "or "
            "where the mocking part was (a reply, a story)? A screenshot would help if you have one.",
            finding=RECRUITMENT,
        ),
    ),
    (
        Need.INFORMED,
        AppealPlan(
            Story.ANSWERED,
            AppealReason.CONTEXT_MISSED,
            "I work as a court interpreter. I translated a statement read out by the defence in the attackers' trial "
            "for "
            "a news site's live blog, and my post quoted that translation in full, in quotation marks, with the "
            "source.",
            question="Could you send the link to the live blog where your translation appeared, so we can compare it "
            "with your post?",
            answer="Of course. The translation was published on the live blog the same evening; the link and my "
            "translation are attached. My post began 'Translation of the defence statement, for the record'.",
            answer_evidence=("live-blog.txt", "https://news.example.com/live/trial-day-3#translation\n"),
            finding=PRAISE,
        ),
    ),
    (
        Need.INFORMED,
        AppealPlan(
            Story.SENT_BACK,
            AppealReason.CONTEXT_MISSED,
            "I was commenting on the news. My point was that the security services had been warned and did nothing; "
            "I was not praising anyone.",
            approver="sue",
            outcome=Outcome.OVERTURNED,
            reasons="We read the post in full. It criticises the security failures before the attack and does not call "
            "on anyone to follow the attackers. We are restoring your account.",
            note="I read the caption differently: 'finally someone does something' sits right under the photo of the "
            "attackers, and most replies take it as approval. I don't think this is clearly counter-speech. Please "
            "look "
            "at the replies, then uphold or consider a temporary suspension.",
            finding=PRAISE,
        ),
    ),
    (
        Need.INFORMED,
        AppealPlan(
            Story.PROPOSED,
            AppealReason.NOT_VIOLATING,
            "The photos are from the day my hometown was freed. The flag in them lies torn on the ground, under the "
            "feet "
            "of people celebrating. That is the whole point of the pictures.",
            outcome=Outcome.OVERTURNED,
            reasons="We looked at all the photographs. The group's flag is in them, but torn and on the ground, in "
            "pictures of people celebrating the end of the group's rule over their town. That is history and news, not "
            "support for the group, and the system was wrong to treat it as propaganda. We are restoring your account.",
            finding=FLAG_IMAGES,
        ),
    ),
    (
        Need.TERMINATED,
        AppealPlan(
            Story.PROPOSED,
            AppealReason.DISPROPORTIONATE,
            "I shared it in anger after the attack without thinking about who made it, and I deleted it within the "
            "hour. "
            "I am nineteen, and this account is how I keep in touch with my family abroad.",
            reviewer="rex",
            outcome=Outcome.MODIFIED,
            reasons="Thank you for being honest with us. The clip is propaganda made by a terrorist organisation, and "
            "sharing it broke our rules even for an hour, so we are not overturning the decision. But it was one post, "
            "deleted by you, on an account with no other problems, and closing the account for good is more than that "
            "calls for. We are changing the termination to a 30-day suspension from the original decision.",
            finding=CLIP,
        ),
    ),
    (
        Need.INFORMED,
        _upheld(
            "This is censorship. I have the right to share what I want and you can't ban opinions you don't like. I "
            "haven't hurt anyone.",
            AppealReason.OTHER,
            RECRUITMENT,
            "We understand that losing your account feels like being silenced, and we read everything you wrote. This "
            "decision is not about an opinion. The post passed on a terrorist organisation's recruitment message with "
            "a "
            "link to its channel, which our guidelines and EU law (Regulation 2021/784) do not allow, however it is "
            "meant. The termination stays.",
        ),
    ),
    (
        Need.INFORMED,
        _upheld(
            "It's just a song. I don't even understand the words, I liked the melody.",
            AppealReason.NOT_VIOLATING,
            CHANT,
            "Thank you for explaining, and we accept that you may not have understood the words. The chant was "
            "released "
            "by a terrorist group's media wing to recruit and to glorify its fighters, and the account posted similar "
            "recordings several times in the month before. Because of that pattern the restriction stays.",
        ),
    ),
    (
        Need.INFORMED,
        _upheld(
            "I study security and I shared the document with my study group so that we could discuss it.",
            AppealReason.CONTEXT_MISSED,
            MANUAL,
            "We take your studies seriously; research is one of the contexts our guidelines protect. But this document "
            "is an instruction manual for attacks, and it was shared publicly, where anyone could download it, with no "
            "analysis or warning. It cannot be shared openly even for study; your university can give you access to it "
            "in a controlled way. The restriction stays.",
        ),
    ),
    (
        Need.INFORMED,
        _upheld(
            "I only said what a lot of people think. They were fighting back.",
            AppealReason.NOT_VIOLATING,
            PRAISE,
            "We read your post and your appeal carefully. Calling the people who carried out the attack heroes, and "
            "asking others to follow their example, glorifies a terrorist offence. That is illegal in the EU and "
            "against "
            "our guidelines, so the termination stays. We know this is not the answer you hoped for.",
            reviewer="rita",
        ),
    ),
    (
        Need.INFORMED,
        AppealPlan(
            Story.DECIDED,
            AppealReason.CONTEXT_MISSED,
            "We are a local news site. The post was our report on the trial, including eight seconds of the propaganda "
            "video that was shown as evidence in court, blurred, with our reporter's commentary. Our readers depend on "
            "this account for local news.",
            outcome=Outcome.OVERTURNED,
            reasons="We watched the whole report. The eight seconds of footage were shown as evidence in court, "
            "blurred, "
            "inside a news report with your reporter's commentary. That is journalism, which our guidelines protect, "
            "and "
            "the automated system could not see the difference. Your account is restored. We are sorry for the "
            "disruption to your readers.",
            finding=CLIP,
        ),
    ),
    (
        Need.TERMINATED,
        AppealPlan(
            Story.DECIDED,
            AppealReason.DISPROPORTIONATE,
            "Yes, I posted those pictures, and I understand now why that was wrong. I was sixteen when I started "
            "following those pages. I have been seeing a counsellor since the spring. Please don't delete everything.",
            reviewer="rex",
            approver="sue",
            outcome=Outcome.MODIFIED,
            reasons="Thank you for your honesty. The images praised a terrorist organisation and we cannot say the "
            "decision was wrong. But what you tell us about how you have moved away from these ideas, and the fact "
            "that "
            "nothing like it was posted before, make a permanent termination more than is needed. We are changing it "
            "to "
            "a 30-day suspension from the original decision. If you want to talk to someone, the exit programmes in "
            "your "
            "country are free and confidential.",
            finding=FLAG_IMAGES,
        ),
    ),
    (
        Need.TEMPORARY,
        AppealPlan(
            Story.DECIDED,
            AppealReason.DISPROPORTIONATE,
            "I accept that the post should not have been shared, but the length of the suspension is hard on me: I use "
            "the account for my work as a tour guide, and bookings come through it.",
            approver="sue",
            outcome=Outcome.MODIFIED,
            reasons="We agree that the post broke our rules: it passed on a recruitment message with a link to the "
            "group's channel. You removed it yourself as soon as you were told, and the account is how you earn a "
            "living. We are bringing the end of the suspension forward; the new date is shown with this decision.",
            finding=RECRUITMENT,
        ),
    ),
    (
        Need.INFORMED,
        AppealPlan(
            Story.WITHDRAWN,
            AppealReason.NOT_VIOLATING,
            "I don't think my post broke any rule. Please look at it again.",
        ),
    ),
    (
        Need.INFORMED,
        AppealPlan(
            Story.WITHDRAWN,
            AppealReason.NOT_ME,
            "Someone else used my account. I share a tablet with my brother.",
        ),
    ),
    (
        Need.INFORMED,
        AppealPlan(
            Story.WITHDRAWN_IN_REVIEW,
            AppealReason.DISPROPORTIONATE,
            "I'd like the suspension shortened. It was one post.",
            reviewer="rex",
        ),
    ),
    (
        Need.INFORMED,
        AppealPlan(
            Story.ESCALATED_TAKEN,
            AppealReason.CONTEXT_MISSED,
            "The video is satire. I made it with an AI tool to show how easily these groups' propaganda style can be "
            "faked, and the caption said so. It was meant to make people sceptical of what they see.",
            note="Satire claim on AI-generated footage in the group's visual style. I can't tell whether this mocks "
            "them "
            "or imitates them, and our policy on synthetic propaganda is new. A senior call, please.",
            finding=SYNTHETIC,
        ),
    ),
)
# Enough accounts that every plan finds one of the kind it needs (some never informed, some temporary).
APPEAL_POOL = MIN_WAVE_SIZE = len(WAVE_APPEALS) + 7


def assign_wave_appeals(rng: random.Random, accounts: list[AccountSpec]) -> None:
    """Give each planned appeal its own wave account of the kind it needs; the rest of the wave never appeals."""
    pool = accounts[:]
    rng.shuffle(pool)
    for need, plan in WAVE_APPEALS:
        account = next((candidate for candidate in pool if _fits(candidate, need)), pool[0])
        pool.remove(account)
        account.appeal = plan
        if need == Need.NEVER_INFORMED and not account.never_informed:
            # Bounces are rare enough that the pool may hold none; this story needs one, so its notice bounced.
            account.notices = (_bounced(account.notices[0]),)  # the first notice is always the email
        if plan.finding is not None:
            finding = FINDINGS[plan.finding]
            account.fields.update(_described(finding, account.finding_values, account.source_note))


def _bounced(notice: NoticeSpec) -> NoticeSpec:
    return replace(notice, status=NoticeStatus.BOUNCED, detail=BOUNCES[0])


def _fits(account: AccountSpec, need: Need) -> bool:
    if need == Need.NEVER_INFORMED:
        return account.never_informed
    if account.never_informed:
        return False
    has_end = account.fields.get("end_date_account_restriction") is not None
    return {Need.INFORMED: True, Need.TERMINATED: not has_end, Need.TEMPORARY: has_end}[need]


# --- outside the wave: a non-sensitive category ------------------------------------------------------------------


@dataclass(frozen=True)
class FraudCase:
    """A scam case outside the wave: not sensitive, so a reviewer's reversal is final without a second reviewer."""

    handle: str
    keyword: str
    hours_into_wave_day: int
    facts: str
    plan: AppealPlan | None
    original_decider: str = ""


FRAUD_CASES = (
    FraudCase(
        "vintage_watch_deals",
        "KEYWORD_INAUTHENTIC_LISTINGS",
        hours_into_wave_day=3,
        facts="A user reported the account's listings of watches as counterfeit. A moderator compared the photographs "
        "with the brand's reference images and found dial details that did not match.",
        plan=AppealPlan(
            Story.DECIDED,
            AppealReason.NOT_VIOLATING,
            "We are a licensed second-hand watch dealer in Antwerp, trading since 2009. The report came from a "
            "competitor. The dials differ from the brand's current photos because the watches are from the "
            "1970s. I attach our trade registration and the invoices with serial numbers.",
            reviewer="rex",
            outcome=Outcome.OVERTURNED,
            reasons="We checked the listings named in the report against the invoices and serial numbers you "
            "sent. The watches are genuine vintage pieces, and the dial differences are those of their period. "
            "The report was mistaken and your account is restored.",
            evidence=("invoices.txt", "Invoice 2026-0311, serial 2461187; invoice 2026-0402, serial 3015526\n"),
        ),
    ),
    FraudCase(
        "crypto_yield_club",
        "KEYWORD_PYRAMID_SCHEMES",
        hours_into_wave_day=5,
        facts="Several users reported the account for promising a guaranteed 4% weekly return on crypto deposits, "
        "paid from new members' deposits. Three reporters sent transfer receipts and said withdrawals were "
        "refused.",
        plan=AppealPlan(
            Story.DECIDED,
            AppealReason.NOT_VIOLATING,
            "Our club is a legitimate investment community. Members join freely and many have made money.",
            outcome=Outcome.UPHELD,
            reasons="We read your appeal and looked again at the posts and the reports. The account promised "
            "guaranteed weekly returns paid from new members' money, and several people told us they could not "
            "get their deposits back. That is a pyramid scheme under our commerce policy, so the suspension "
            "stays.",
        ),
    ),
    FraudCase(
        "parcel_refund_desk",
        "KEYWORD_PHISHING",
        hours_into_wave_day=8,
        facts="The account sent messages pretending to come from a parcel service, asking people to pay a customs fee "
        "through a link to a look-alike payment page.",
        plan=None,
        original_decider="rex",
    ),
)


def fraud_accounts(start: datetime) -> list[AccountSpec]:
    return [_fraud_account(case, start + timedelta(hours=case.hours_into_wave_day)) for case in FRAUD_CASES]


def _fraud_account(case: FraudCase, applied: datetime) -> AccountSpec:
    email = f"{case.handle}@example.com"
    fields: dict[str, Any] = {
        "handle": case.handle,
        "account_email": email,
        "account_type": AccountType.BUSINESS,
        "decision_account": DecisionAccount.SUSPENDED,
        "application_date": applied,
        "end_date_account_restriction": applied + timedelta(days=90),
        "decision_ground": DecisionGround.INCOMPATIBLE_CONTENT,
        "incompatible_content_ground": "Commerce Policy §5.1 — Deceptive offers and scams",
        "incompatible_content_explanation": "The policy forbids offers that deceive people into paying money.",
        "category": Category.SCAMS_AND_FRAUD,
        "category_specification": [case.keyword],
        "decision_facts": case.facts,
        # What the Transparency Database requires, so the demo's statements of reasons export whole.
        "content_type": [ContentType.TEXT],
        "content_date": (applied - timedelta(days=1)).date(),
        **_sourced(SourceType.ARTICLE_16, "", AutomatedDecision.NOT_AUTOMATED, rule=""),
        "territorial_scope": ["BE", "NL", "LU"],
    }
    notice = NoticeSpec(Notice.Channel.EMAIL, email, NoticeStatus.DELIVERED, applied + timedelta(minutes=3))
    puid = f"{PUID_PREFIX}scams-{case.handle}"
    return AccountSpec(puid, fields, (notice,), in_wave=False, appeal=case.plan, original_decider=case.original_decider)


# --- playing an appeal's story through the services --------------------------------------------------------------

Step = Callable[[Appeal, AppealPlan, Cast], object]


def _claim(appeal: Appeal, plan: AppealPlan, cast: Cast) -> object:
    return appeal_claim(appeal=appeal, by=cast[plan.reviewer])


def _note(appeal: Appeal, plan: AppealPlan, cast: Cast) -> object:
    return appeal_message_post(appeal=appeal, by=cast[plan.reviewer], body=plan.note, internal=True)


def _ask(appeal: Appeal, plan: AppealPlan, cast: Cast) -> object:
    reply_by = cast.now + timedelta(days=7)
    return appeal_request_info(appeal=appeal, by=cast[plan.reviewer], body=plan.question, reply_by=reply_by)


def _answer(appeal: Appeal, plan: AppealPlan, cast: Cast) -> object:
    return appeal_answer(appeal=appeal, body=plan.answer, attachments=_files(plan.answer_evidence))


def _decide(appeal: Appeal, plan: AppealPlan, cast: Cast) -> object:
    if plan.outcome is None:
        raise ValueError("A plan whose story decides must name its outcome.")
    new_account, new_end = "", None
    if plan.outcome == Outcome.MODIFIED:
        new_account, new_end = lighter_restriction(Suspension.objects.get(appeals=appeal), cast.now)
    return appeal_decide(
        appeal=appeal,
        by=cast[plan.reviewer],
        outcome=plan.outcome,
        reasons=plan.reasons,
        new_decision_account=new_account,
        new_end_date=new_end,
    )


def _approve(appeal: Appeal, plan: AppealPlan, cast: Cast) -> object:
    # Only reversals in a sensitive category wait for approval; anything else was final already.
    proposal = appeal.decisions.filter(state=Decision.State.PROPOSED).first()
    if proposal is None:
        return None
    return decision_approve(decision=proposal, by=cast[plan.approver])


def _send_back(appeal: Appeal, plan: AppealPlan, cast: Cast) -> object:
    # SENSITIVE_CATEGORIES comes from the environment; without this category the proposal was final at once.
    proposal = appeal.decisions.filter(state=Decision.State.PROPOSED).first()
    if proposal is None:
        return None
    return decision_send_back(decision=proposal, by=cast[plan.approver], comment=plan.note)


def _withdraw(appeal: Appeal, plan: AppealPlan, cast: Cast) -> object:
    return appeal_withdraw(appeal=appeal)


def _escalate(appeal: Appeal, plan: AppealPlan, cast: Cast) -> object:
    return appeal_escalate(appeal=appeal, by=cast[plan.reviewer], note=plan.note)


def _senior_claims(appeal: Appeal, plan: AppealPlan, cast: Cast) -> object:
    return appeal_claim(appeal=appeal, by=cast[plan.approver])


STORY_STEPS: dict[Story, tuple[Step, ...]] = {
    Story.SUBMITTED: (),
    Story.CLAIMED: (_claim,),
    Story.CLAIMED_WITH_NOTE: (_claim, _note),
    Story.INFO_REQUESTED: (_claim, _ask),
    Story.ANSWERED: (_claim, _ask, _answer),
    Story.PROPOSED: (_claim, _decide),
    Story.SENT_BACK: (_claim, _decide, _send_back),
    Story.DECIDED: (_claim, _decide, _approve),
    Story.WITHDRAWN: (_withdraw,),
    Story.WITHDRAWN_IN_REVIEW: (_claim, _withdraw),
    Story.ESCALATED: (_claim, _escalate),
    Story.ESCALATED_TAKEN: (_claim, _escalate, _senior_claims),
}


def lighter_restriction(suspension: Suspension, now: datetime) -> tuple[str, datetime]:
    """A termination becomes a 30-day suspension; a temporary suspension ends halfway to its current end."""
    end = suspension.end_date_account_restriction
    if end is None:
        return DecisionAccount.SUSPENDED, suspension.application_date + timedelta(days=30)
    return "", (now + (end - now) / 2).replace(minute=0, second=0, microsecond=0)


def _files(evidence: tuple[str, str] | None) -> list[UploadedFile]:
    if evidence is None:
        return []
    name, text = evidence
    return [SimpleUploadedFile(name, text.encode(), content_type="text/plain")]


def play(suspension: Suspension, plan: AppealPlan, cast: Cast) -> Appeal:
    contact = plan.new_contact.format(handle=suspension.handle) or suspension.account_email
    filing: dict[str, Any] = {
        "reason": plan.reason,
        "statement": plan.statement,
        "contact_email": contact,
        "language": plan.language,
        "evidence": _files(plan.evidence),
    }
    if plan.new_contact:
        appeal = appeal_file_unverified(handle=suspension.handle, **filing)
    else:
        appeal = appeal_file(suspension=suspension, **filing)
    for step in STORY_STEPS[plan.story]:
        step(appeal, plan, cast)
    return appeal


# --- building ----------------------------------------------------------------------------------------------------


def ensure_staff(password: str) -> dict[str, User]:
    users = {}
    for member in STAFF:
        existing = User.objects.filter(email__iexact=member.email).first()
        if existing is None:
            existing = staff_create(actor=SEEDER, user=_new_user(member, password), roles=[member.role])
        users[member.key] = existing
    return users


def _new_user(member: StaffMember, password: str) -> User:
    # staff_create takes an unsaved user; superuser is decided before it works out admin access.
    return User(
        email=member.email,
        full_name=member.full_name,
        is_superuser=member.superuser,
        password=make_password(password),
    )


def ensure_wave() -> Wave:
    # Waves have no service (nothing about them is audited); get_or_create keeps a second run from adding one.
    wave, _ = Wave.objects.get_or_create(
        key=WAVE_KEY,
        defaults={
            "name": "Terrorist content sweep, November 2026",
            "description": f"Accounts restricted in one day by the platform's {DETECTION_RULE} after an update to the "
            "violent-extremism classifier, plus trusted-flagger reports handled the same day.",
        },
    )
    return wave


def all_accounts(wave_size: int, now: datetime) -> list[AccountSpec]:
    rng = random.Random(SEED)
    start = (now - timedelta(days=WAVE_DAYS_AGO)).replace(hour=4, minute=0, second=0, microsecond=0)
    wave = wave_accounts(rng, wave_size, start)
    return [*(activist_account(activist, start) for activist in ACTIVISTS), *wave, *fraud_accounts(start)]


@dataclass(frozen=True)
class Built:
    """What an earlier run already made for one account."""

    pk: int
    has_notices: bool
    has_appeal: bool


def already_built() -> dict[str, Built]:
    """One query for everything earlier runs made, instead of three per account on every run."""
    rows = (
        Suspension.objects.filter(puid__startswith=PUID_PREFIX)
        .annotate(
            has_notices=Exists(Notice.objects.filter(suspension=OuterRef("pk"))),
            has_appeal=Exists(Appeal.objects.filter(suspension=OuterRef("pk"))),
        )
        .values_list("puid", "pk", "has_notices", "has_appeal")
    )
    return {puid: Built(pk, has_notices, has_appeal) for puid, pk, has_notices, has_appeal in rows}


def build(account: AccountSpec, wave: Wave, cast: Cast, built: Built | None) -> None:
    """Create whatever of this account's case is missing, each part through its service."""
    needs_notices = built is None or not built.has_notices
    needs_appeal = account.appeal is not None and (built is None or not built.has_appeal)
    if not (built is None or needs_notices or needs_appeal):
        return
    suspension = _ingest(account, wave, cast) if built is None else Suspension.objects.get(pk=built.pk)
    if needs_notices:
        for notice in account.notices:
            _record(suspension, notice)
    if needs_appeal and account.appeal is not None:
        play(suspension, account.appeal, cast)


def _ingest(account: AccountSpec, wave: Wave, cast: Cast) -> Suspension:
    fields = {**account.fields, "wave": wave if account.in_wave else None}
    if account.original_decider:
        fields["original_decider"] = cast[account.original_decider]
    return suspension_ingest(actor=PLATFORM, puid=account.puid, fields=fields).suspension


def _record(suspension: Suspension, notice: NoticeSpec) -> None:
    notice_record(
        actor=PLATFORM,
        suspension=suspension,
        channel=notice.channel,
        address=notice.address,
        status=notice.status,
        sent_at=notice.sent_at,
        status_at=notice.sent_at + notice.delay,
        detail=notice.detail,
    )


def row_counts() -> dict[str, int]:
    return {
        "staff accounts": User.objects.count(),
        "suspensions": Suspension.objects.count(),
        "notices": Notice.objects.count(),
        "appeals": Appeal.objects.count(),
    }


# --- the command -------------------------------------------------------------------------------------------------


class Command(BaseCommand):
    help = (
        "Fill the database with demo data: staff of every role, a wave of terrorism-related suspensions with a few "
        "activists swept up in it, and appeals in every state. Safe to run again: it only adds what is missing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--wave-size",
            type=int,
            default=DEFAULT_WAVE_SIZE,
            help=f"Suspensions in the wave besides the activists (default {DEFAULT_WAVE_SIZE}, "
            f"at least {MIN_WAVE_SIZE}).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        wave_size: int = options["wave_size"]
        if wave_size < MIN_WAVE_SIZE:
            raise CommandError(f"--wave-size must be at least {MIN_WAVE_SIZE}, so every planned appeal has a case.")
        password = os.environ.get("DEMO_PASSWORD") or DEFAULT_PASSWORD
        before = row_counts()
        with transaction.atomic():
            cast = Cast(ensure_staff(password), timezone.now())
            wave = ensure_wave()
            built = already_built()
            for account in all_accounts(wave_size, cast.now):
                build(account, wave, cast, built.get(account.puid))
        self._report_changes(before, row_counts())
        self._report_logins(password)
        self._report_activists()
        self._report_counts()

    def _report_changes(self, before: dict[str, int], after: dict[str, int]) -> None:
        added = {name: after[name] - before[name] for name in after if after[name] != before[name]}
        if not added:
            self.stdout.write("Nothing new to create: the demo data is already in place.")
            return
        summary = ", ".join(f"{count} {name}" for name, count in added.items())
        self.stdout.write(self.style.SUCCESS(f"Demo data created: {summary}."))

    def _report_logins(self, password: str) -> None:
        self.stdout.write(f"\nSite: {settings.SITE_URL}/   (admin: {settings.SITE_URL}/admin/)")
        self.stdout.write(f"Staff logins, password {password!r} (accounts that already existed keep theirs):")
        for member in STAFF:
            role = f"{member.role.label} (superuser)" if member.superuser else member.role.label
            self.stdout.write(f"  {member.email:<24} {role}")

    def _report_activists(self) -> None:
        self.stdout.write(f"\nActivists, researchers and journalists swept up by {DETECTION_RULE}:")
        puids = [activist_puid(handle) for handle in ACTIVIST_HANDLES]
        for suspension in Suspension.objects.filter(puid__in=puids).prefetch_related("appeals").order_by("handle"):
            appeal = max(suspension.appeals.all(), key=lambda each: each.filed_at, default=None)
            state = f"appeal {appeal.reference}: {appeal.get_status_display()}" if appeal else "no appeal"
            informed = "  [never informed]" if suspension.never_informed else ""
            self.stdout.write(f"  @{suspension.handle:<24} {state}{informed}")
        self._report_public_side()

    def _report_public_side(self) -> None:
        """How to walk the appellant's side: the handle and address on file of one account with no appeal yet."""
        fresh = (
            Suspension.objects.filter(puid__startswith=PUID_PREFIX, appeals__isnull=True, informed_at__isnull=False)
            .order_by("puid")
            .first()
        )
        if fresh is None:
            return
        self.stdout.write(
            f"\nTo appeal as a suspended person: {settings.SITE_URL}/appeal/find/ with handle @{fresh.handle} and "
            f"address {fresh.account_email}. Under `make run` the worker writes the sign-in email to data/mail/."
        )

    def _report_counts(self) -> None:
        never_informed = Suspension.objects.never_informed().count()
        self.stdout.write(
            f"\nIn the database: {Suspension.objects.count()} suspensions ({never_informed} never informed), "
            f"{Notice.objects.count()} notices, {Appeal.objects.count()} appeals."
        )
        by_status = dict(Appeal.objects.values_list("status").annotate(count=Count("id")).order_by())
        for status in AppealStatus:
            self.stdout.write(f"  {status.label:<28} {by_status.get(status.value, 0)}")
