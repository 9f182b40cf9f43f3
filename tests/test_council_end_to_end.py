"""End to end, with no Python written for it: a council writes questions and rules of its own into its overlay, and
every way in asks, scores, stores and shows them. Runs on each database.

The overlay (in a temporary copy of the standards) adds a section of two questions: a practice statement rated with
its evidence, scored by a rule that requires evidence, and a whole number, scored by a rule that applies only to
schools of 400 pupils or more. Two audits answer them: one rates the statement in place without evidence (partially
met, with the overlay's words asking for evidence) in a large school; the other gives evidence in a small school (met,
and the size-banded rule not applicable). The same findings are checked through:

* the command line: ``oap fields --standards`` lists the questions and ``oap score --standards`` scores a file;
* the API: the version's questions and audit schema, ``POST /v1/score``, and a submission stored and read back;
* the form: ``/schools/{urn}/audit?standards=…`` shows the council's section and submits to a stored audit;
* the report: the stored JSON report and the report page.

Each way of submitting is a function in ``SUBMITTERS`` that stores an audit and returns its id; the stored report and
the report page are then checked the same way for each: the API, and the self-audit form (which asks the council's
questions, the statement with its rating and evidence boxes).
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from api.config import Settings
from api.engine.render import STATUS_WORDS
from api.rules.catalog import Catalog, load_catalog
from api.web.app import create_app
from tests.conftest import make_key, minimal_audit, run_oap
from tests.councils import OVERLAY, council_standards

URN = "100000"
TRUST = "T1"
SET_NAME, VERSION = OVERLAY.split("@")
CALM, MENTORS = "environment.calm-space", "environment.trained-mentors"
NO_EVIDENCE = "Say where the evidence is, for example the notes of a learning walk."

QUESTIONS = """
sections:
  - {id: wellbeing, title: Wellbeing and belonging, description: How the school helps pupils feel calm and safe.}
questions:
  - id: wellbeing.calm_space
    section: wellbeing
    kind: statement
    label: Pupils can go to a calm space when they need one
    hint: Say where the evidence is. Never name a pupil.
  - id: wellbeing.trained_mentors
    section: wellbeing
    kind: whole_number
    label: Staff trained to mentor pupils with social, emotional and mental health needs
    unit: staff
    min: 0
    max: 200
"""
RULES = f"""  - id: {CALM}
    title: Pupils can go to a calm space when they need one
    domain: environment
    basis: guidance
    weight: 2
    check: {{kind: statement, field: wellbeing.calm_space, evidence_required: true}}
    gap:
      partially_met: Make a calm space available to every pupil who needs one.
      not_met: Set up a calm space, and agree with staff when pupils may use it.
      no_evidence: {NO_EVIDENCE}
    message:
      missing: Not every pupil can go to a calm space when they need one.
      why: A calm space helps pupils with sensory or emotional needs settle and return to learning.
      how: Agree a calm space and how pupils ask to use it.
    sources: [{{source: scot-sensory, ref: section 12, verify: true}}]
    review_by: 2027-08-31
  - id: {MENTORS}
    title: Larger schools have at least two trained mentors
    domain: environment
    basis: guidance
    provisional: true
    weight: 1
    when: [{{field: pupils.on_roll, at_least: 400}}]
    check:
      kind: at_least
      value: wellbeing.trained_mentors
      unit: staff
      met_at_least: 2
      partially_met_at_least: 1
    gap:
      field: wellbeing.trained_mentors
      unit: staff
      partially_met: Train {{amount}} more member of staff to mentor pupils (provisional limit {{limit}}).
      not_met: Train {{amount}} members of staff to mentor pupils (provisional limit {{limit}}).
    message:
      missing: Too few staff are trained to mentor pupils.
      why: Mentors give pupils a trusted adult. The limit of two is provisional.
      how: Train two members of staff.
    sources: [{{source: cop-2015, ref: paragraph 6.32, verify: true}}]
    review_by: 2027-08-31
"""


@dataclass(frozen=True)
class Expected:
    """An audit answering the council's questions, and what each council rule finds."""

    name: str
    audit: dict[str, Any]
    findings: Mapping[str, tuple[str, str | None]]  # rule -> (status, words of its gap text, or None: no gap)


WITHOUT_EVIDENCE = Expected(
    "in-place-without-evidence-in-a-large-school",
    minimal_audit(pupils={"on_roll": 450}, wellbeing={"calm_space": {"rating": "in_place"}, "trained_mentors": 1}),
    {CALM: ("partially_met", NO_EVIDENCE), MENTORS: ("partially_met", "Train 1 more member of staff")},
)
WITH_EVIDENCE = Expected(
    "in-place-with-evidence-in-a-small-school",
    minimal_audit(
        pupils={"on_roll": 399},
        wellbeing={"calm_space": {"rating": "in_place", "evidence": "Learning walk, October"}, "trained_mentors": 0},
    ),
    {CALM: ("met", None), MENTORS: ("not_applicable", None)},
)
EXPECTED = [WITHOUT_EVIDENCE, WITH_EVIDENCE]


def check_findings(report: Mapping[str, Any], expected: Expected) -> None:
    """The council's rules are in the JSON report with the expected status and gap text."""
    assert report["standards"]["set"] == SET_NAME, report["standards"]
    results = {result["rule"]: result for result in report["results"]}
    for rule, (status, words) in expected.findings.items():
        assert rule in results, f"{rule} is not in the report"
        result = results[rule]
        assert result["status"] == status, f"{expected.name}: {rule}"
        if words is None:
            assert result["gap"] is None, f"{expected.name}: {rule}"
        else:
            assert result["gap"] is not None, f"{expected.name}: {rule}"
            assert words in result["gap"]["text"], f"{expected.name}: {rule}: {result['gap']['text']}"


@pytest.fixture
def council(tmp_path: Path) -> Path:
    """A copy of the standards whose council overlay asks the questions above and scores them."""
    return council_standards(tmp_path, rules=RULES, questions=QUESTIONS)


# ---------------------------------------------------------------------------------------------- the command line


def test_the_command_line_lists_the_council_s_questions(capsys: pytest.CaptureFixture[str], council: Path) -> None:
    code, out, err = run_oap(
        capsys, "--standards-dir", str(council), "fields", "--standards", OVERLAY, "--format", "json"
    )
    assert (code, err) == (0, "")
    rows = {row["field"]: row for row in json.loads(out)}
    assert (rows["wellbeing.calm_space"]["kind"], rows["wellbeing.trained_mentors"]["kind"]) == (
        "statement",
        "whole_number",
    )
    assert rows["wellbeing.calm_space"]["label"] == "Pupils can go to a calm space when they need one"
    code, out, _ = run_oap(capsys, "--standards-dir", str(council), "fields", "--standards", "national@2026.1")
    assert code == 0
    assert "wellbeing." not in out


@pytest.mark.parametrize("expected", EXPECTED, ids=[e.name for e in EXPECTED])
def test_the_command_line_scores_the_council_s_rules(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, council: Path, expected: Expected
) -> None:
    path = tmp_path / "audit.json"
    path.write_text(json.dumps(expected.audit), encoding="utf-8")
    argv = ["--standards-dir", str(council), "score", "--standards", OVERLAY, str(path), "--format", "json"]
    code, out, err = run_oap(capsys, *argv)
    assert (code, err) == (0, "")
    check_findings(json.loads(out), expected)


def test_the_command_line_refuses_an_answer_the_council_s_questions_do_not_take(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, council: Path
) -> None:
    path = tmp_path / "audit.json"
    audit = minimal_audit(
        wellbeing={"calm_space": {"rating": "in_place", "evidence": "x" * 501}, "trained_mentors": 201}
    )
    path.write_text(json.dumps(audit), encoding="utf-8")
    code, _, err = run_oap(capsys, "--standards-dir", str(council), "score", "--standards", OVERLAY, str(path))
    assert code == 1
    assert "wellbeing.calm_space.evidence: is too long" in err
    assert "wellbeing.trained_mentors: must be 200 or less" in err


# ---------------------------------------------------------------------------------------------- the API and the report


@dataclass
class World:
    """The app on the council's standards, with trust T1 and school URN, and an admin key."""

    client: TestClient
    engine: Engine
    admin: dict[str, str]


@pytest.fixture
def world(council: Path, settings: Settings, engine: Engine) -> Iterator[World]:
    catalog: Catalog = load_catalog(council)
    app = create_app(settings, catalog=catalog, key_cache_seconds=0)
    with TestClient(app, raise_server_exceptions=False) as client:
        admin = {"Authorization": make_key(engine, "admin")}
        assert client.put(f"/v1/trusts/{TRUST}", json={"name": "Trust one"}, headers=admin).status_code == 201
        school = client.put(f"/v1/schools/{URN}", json={"name": "School one", "trust_id": TRUST}, headers=admin)
        assert school.status_code == 201, school.text
        yield World(client, engine, admin)


def test_the_api_serves_the_council_s_questions_and_audit_schema(world: World) -> None:
    body = world.client.get(f"/v1/standards/{SET_NAME}/{VERSION}/questions").json()
    assert body["standards"] == OVERLAY
    section = next(section for section in body["sections"] if section["id"] == "wellbeing")
    assert section["title"] == "Wellbeing and belonging"
    asked = {question["id"]: question for question in section["questions"]}
    assert asked["wellbeing.calm_space"]["kind"] == "statement"
    assert (asked["wellbeing.trained_mentors"]["min"], asked["wellbeing.trained_mentors"]["max"]) == (0, 200)
    response = world.client.get(f"/v1/standards/{SET_NAME}/{VERSION}/audit-schema")
    assert response.status_code == 200, response.text
    validator = jsonschema_rs.Draft202012Validator(response.json(), validate_formats=True)
    for expected in EXPECTED:
        assert validator.is_valid(expected.audit), expected.name
    assert not validator.is_valid(
        minimal_audit(wellbeing={"calm_space": {"rating": "in_place", "evidence": "x" * 501}})
    )
    assert not validator.is_valid(minimal_audit(wellbeing={"trained_mentors": 201}))
    national = world.client.get("/v1/standards/national/2026.1/audit-schema").json()
    assert not jsonschema_rs.Draft202012Validator(national).is_valid(WITH_EVIDENCE.audit)


@pytest.mark.parametrize("expected", EXPECTED, ids=[e.name for e in EXPECTED])
def test_the_api_scores_the_council_s_rules_without_storing(world: World, expected: Expected) -> None:
    response = world.client.post("/v1/score", params={"standards": OVERLAY}, json=expected.audit, headers=world.admin)
    assert response.status_code == 200, response.text
    check_findings(response.json(), expected)
    listed = world.client.get(f"/v1/schools/{URN}/audits", headers=world.admin).json()
    assert listed["items"] == []


def test_the_api_refuses_an_answer_the_council_s_questions_do_not_take(world: World) -> None:
    audit = minimal_audit(wellbeing={"calm_space": {"rating": "not_applicable"}})  # the question does not allow it
    response = world.client.post("/v1/score", params={"standards": OVERLAY}, json=audit, headers=world.admin)
    assert response.status_code == 422, response.text
    assert [error["field"] for error in response.json()["errors"]] == ["wellbeing.calm_space.rating"]
    national = world.client.post("/v1/score", params={"standards": "national@2026.1"}, json=audit, headers=world.admin)
    assert [error["field"] for error in national.json()["errors"]] == ["wellbeing"]


Submitter = Callable[[World, Mapping[str, Any]], str]
"""A way of storing an audit against the council's overlay; returns the stored audit's id."""


def submit_through_api(world: World, audit: Mapping[str, Any]) -> str:
    """``POST /v1/schools/{urn}/audits?standards=…``: 201 with the stored audit and its report."""
    response = world.client.post(
        f"/v1/schools/{URN}/audits", params={"standards": OVERLAY}, json=audit, headers=world.admin
    )
    assert response.status_code == 201, response.text
    audit_id: str = response.json()["audit"]["id"]
    return audit_id


def form_fields(audit: Mapping[str, Any]) -> dict[str, str]:
    """An audit as a person fills in the form: each answer in the box named by its dotted path (a statement in its
    rating and evidence boxes, a number as typed)."""
    fields = {"audit_date": str(audit["audit_date"])}
    for section, answers in audit.items():
        if not isinstance(answers, Mapping):
            continue
        for name, value in answers.items():
            if isinstance(value, Mapping):
                fields |= {f"{section}.{name}.{part}": str(text) for part, text in value.items()}
            else:
                fields[f"{section}.{name}"] = str(value)
    return fields


def submit_through_form(world: World, audit: Mapping[str, Any]) -> str:
    """The self-audit form at ``/schools/{urn}/audit?standards=…``: it asks the council's questions (the statement's
    rating radios and evidence box, the number with its unit), and submitting it goes to the stored report."""
    sign_in(world)
    page = world.client.get(f"/schools/{URN}/audit", params={"standards": OVERLAY})
    assert page.status_code == 200, page.text
    text = html.unescape(page.text)
    assert "Wellbeing and belonging" in text
    assert "Pupils can go to a calm space when they need one" in text
    assert 'name="wellbeing.calm_space.rating"' in text
    assert 'name="wellbeing.calm_space.evidence"' in text
    assert 'name="wellbeing.trained_mentors"' in text
    token = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert token, "no CSRF field on the form"
    fields = form_fields(audit) | {"standards": OVERLAY, "csrf": token.group(1), "action": "submit"}
    response = world.client.post(f"/schools/{URN}/audit", data=fields, follow_redirects=False)
    assert response.status_code == 303, response.text
    found = re.fullmatch(r"/audits/([0-9a-f]{32})/report", response.headers["location"])
    assert found, response.headers["location"]
    return found.group(1)


SUBMITTERS: list[Submitter] = [submit_through_api, submit_through_form]


def finding_card(page: str, title: str) -> tuple[str, str]:
    """The report page's card of the finding titled ``title``: the words of its status tag, and its text."""
    heading = re.escape(f'<h4 class="govuk-summary-card__title">{html.escape(title)}</h4>')
    found = re.search(heading + r'\s*<strong class="govuk-tag[^"]*">(.*?)</strong>(.*?)(?=app-finding|\Z)', page, re.S)
    assert found, f"no finding titled {title!r} on the page"
    text = html.unescape(re.sub(r"<[^>]+>", " ", found.group(2)))
    return found.group(1), " ".join(text.split())


@pytest.mark.parametrize("submit", SUBMITTERS, ids=[submit.__name__ for submit in SUBMITTERS])
@pytest.mark.parametrize("expected", EXPECTED, ids=[e.name for e in EXPECTED])
def test_a_stored_audit_keeps_its_answers_and_shows_the_council_s_findings(
    world: World, submit: Submitter, expected: Expected
) -> None:
    audit_id = submit(world, expected.audit)
    stored = world.client.get(f"/v1/audits/{audit_id}", headers=world.admin).json()
    assert (stored["school_urn"], stored["audit"]["wellbeing"]) == (URN, expected.audit["wellbeing"])
    report = world.client.get(f"/v1/audits/{audit_id}/report", headers=world.admin).json()
    check_findings(report, expected)

    titles = {result["rule"]: result["title"] for result in report["results"]}
    sign_in(world)
    page = world.client.get(f"/audits/{audit_id}/report")
    assert page.status_code == 200, page.text
    for rule, (status, words) in expected.findings.items():
        tag, card = finding_card(page.text, titles[rule])
        assert tag == STATUS_WORDS[status], f"{rule}: {tag}"
        if words is None:
            assert "To close the gap" not in card, f"{rule}: {card}"
        else:
            assert f"To close the gap {words}" in card, f"{rule}: {card}"


def sign_in(world: World) -> None:
    """Sign the client in with a school key of URN (a session cookie, as a person would)."""
    key = make_key(world.engine, "school", school=URN).removeprefix("Bearer ")
    token = re.search(r'name="csrf" value="([^"]+)"', world.client.get("/sign-in").text)
    assert token, "no CSRF field on the sign-in page"
    response = world.client.post("/sign-in", data={"api_key": key, "csrf": token.group(1)}, follow_redirects=False)
    assert response.status_code == 303, response.text
