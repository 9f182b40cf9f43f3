"""The self-audit form follows the questions of the version the audit is scored against: every question of a
national version in section order; a council overlay's own section and its practice statement (rating and
evidence), submitted, saved as a draft and reopened; errors beside the evidence; prefilled values only for the
questions asked. Runs on each database, on the real standards with the council overlay given a statement.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from api.config import Settings
from api.contract.questions import QuestionSet
from api.rules.catalog import Catalog, load_catalog
from api.service import drafts
from api.service.access import Principal, Role
from api.storage import repository
from api.storage.db import session_scope
from api.storage.tables import DraftRow, utcnow
from api.web import forms
from api.web.app import create_app
from tests.conftest import example_audit, make_key
from tests.councils import OVERLAY, STATEMENT_QUESTIONS, STATEMENT_RULE, STATEMENT_RULE_ID, council_standards
from tests.web.test_pages import field_error, form_fields, input_value, is_checked, sign_in, summary_items

URN = "113328"
NATIONAL = "national@2026.1"
STATEMENT = "classroom.visual_timetables"
RATING_ID = "f-classroom-visual-timetables-rating"
EVIDENCE_ID = "f-classroom-visual-timetables-evidence"


@pytest.fixture(scope="module")
def council_catalog(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    """The real standards, the council overlay given the shared statement question and rule."""
    root = council_standards(tmp_path_factory.mktemp("council"), rules=STATEMENT_RULE, questions=STATEMENT_QUESTIONS)
    return load_catalog(root)


@pytest.fixture
def app(settings: Settings, engine: Engine, council_catalog: Catalog) -> FastAPI:
    """The app on a fresh database and the council's standards."""
    return create_app(settings, catalog=council_catalog, key_cache_seconds=0)


@dataclass
class School:
    client: TestClient
    engine: Engine
    admin: dict[str, str]
    csrf: str
    catalog: Catalog

    def form(self, standards: str | None = None) -> str:
        """The form page's HTML (for ``standards`` when given)."""
        page = self.client.get(f"/schools/{URN}/audit", params={"standards": standards} if standards else None)
        assert page.status_code == 200, page.text
        return page.text

    def post(self, fields: dict[str, str], action: str = "submit") -> Any:
        return self.client.post(
            f"/schools/{URN}/audit", data={**fields, "action": action, "csrf": self.csrf}, follow_redirects=False
        )


@pytest.fixture
def school(client: TestClient, engine: Engine, council_catalog: Catalog) -> School:
    """A school with no audit yet, its key signed in."""
    admin = {"Authorization": make_key(engine, "admin")}
    assert client.put("/v1/trusts/T1", json={"name": "Trust one"}, headers=admin).status_code == 201
    response = client.put(f"/v1/schools/{URN}", json={"name": "School", "trust_id": "T1"}, headers=admin)
    assert response.status_code == 201, response.text
    token = sign_in(client, make_key(engine, "school", school=URN).removeprefix("Bearer "))
    return School(client=client, engine=engine, admin=admin, csrf=token, catalog=council_catalog)


def statement_fields(rating: str, evidence: str, standards: str = OVERLAY) -> dict[str, str]:
    """The example audit as the form posts it, with the statement answered, for ``standards``."""
    fields = form_fields(example_audit(URN, audit_date="2026-11-20"))
    return {**fields, "standards": standards, f"{STATEMENT}.rating": rating, f"{STATEMENT}.evidence": evidence}


def textarea_value(page: str, field_id: str) -> str:
    found = re.search(rf'<textarea[^>]*\bid="{field_id}"[^>]*>(.*?)</textarea>', page, re.S)
    assert found, f"no textarea {field_id}"
    return html.unescape(found.group(1))


# ---------------------------------------------------------------------------------------------- the questions


def question_label_at(page: str, question: forms.FormQuestion) -> int:
    """Where the question's input (or group of radios) is on the page; asserts its label or legend names it."""
    slot = question.slots[0]
    if slot.options:
        found = re.search(rf'<fieldset class="govuk-fieldset" id="{slot.id}"[^>]*>\s*<legend[^>]*>(.*?)</legend>', page)
    else:
        found = re.search(rf'<label class="govuk-label[^"]*" for="{slot.id}">(.*?)</label>', page)
    assert found, f"{question.name}: no input {slot.id}"
    assert html.unescape(found.group(1)) == question.label, question.name
    return found.start()


def check_form(page: str, questions: QuestionSet) -> list[str]:
    """Asserts the page asks every question of ``questions``, each in its section, in order; returns the page's
    section titles in order."""
    titles = [html.unescape(t) for t in re.findall(r'<h2 class="govuk-fieldset__heading">(.*?)</h2>', page)]
    starts = [m.start() for m in re.finditer(r'<h2 class="govuk-fieldset__heading">', page)] + [len(page)]
    section_of = {title: index for index, title in enumerate(titles)}
    positions = []
    by_id = {section.id: section.title for section in questions.sections}
    for question in questions.questions:
        at = question_label_at(page, forms.form_question(question))
        index = section_of[by_id[question.section]]
        assert starts[index] < at < starts[index + 1], f"{question.id} is not in its section"
        positions.append(at)
    assert positions == sorted(positions), "the questions are in the order of the question set"
    return titles


def test_the_national_form_asks_every_question_of_its_version_in_section_order(school: School) -> None:
    questions = school.catalog.get(NATIONAL).questions
    page = school.form(NATIONAL)
    titles = check_form(page, questions)
    assert titles == ["The audit", *(section.title for section in questions.sections)]
    for section in questions.sections:
        if section.description:
            shown = re.search(rf'<p class="govuk-body" id="section-{section.id}-description">(.*?)</p>', page)
            assert shown, section.id
            assert html.unescape(shown.group(1)) == section.description
    assert 'name="standards" value="national@2026.1"' in page
    assert STATEMENT not in page, "the overlay's own question is not a national one"
    # Numbers: their limits and unit in the hint, the unit beside the box, the keyboard for numbers.
    assert '<div id="f-pupils-on-roll-hint" class="govuk-hint">A whole number from 0 to 10,000 (pupils).</div>' in page
    assert re.search(r'id="f-pupils-on-roll"[^>]*inputmode="numeric"', page)
    assert '<div class="govuk-input__suffix" aria-hidden="true">FTE</div>' in page
    assert "In full-time equivalent (FTE); 0.4 FTE is two days a week. A number from 0 to 50 (FTE)" in page
    assert re.search(r'id="f-staffing-ta-structured-intervention-pct"[^>]*inputmode="decimal"', page)
    # Choices are radios with their labels; a date's "there is none" box has the question's own words.
    assert re.search(r'id="f-senco-qualification-nasenco"[^>]*>\s*<label[^>]*>National Award for SEN', page)
    none_box = '<label class="govuk-label govuk-checkboxes__label" for="f-environment-sensory-audit-on-none">'
    assert f"{none_box}It has never been audited</label>" in page
    assert 'id="f-senco-appointed-on-none"' not in page, "a date without none_label must be a date"
    # A question the school has not answered has "Not answered" chosen.
    assert is_checked_in(page, "f-senco-designated-blank")


def is_checked_in(page: str, field_id: str) -> bool:
    found = re.search(rf'<input[^>]*\bid="{field_id}"[^>]*>', page)
    assert found, f"no input {field_id}"
    return " checked" in found.group(0)


def test_without_a_version_asked_the_form_follows_the_audit_date(school: School) -> None:
    page = school.form()
    assert 'name="standards" value=""' in page
    assert "the standards in effect on the audit date" in page
    assert STATEMENT not in page


def test_an_overlay_form_adds_its_own_section_with_the_statement(school: School) -> None:
    questions = school.catalog.get(OVERLAY).questions
    page = school.form(OVERLAY)
    titles = check_form(page, questions)
    base = [section.title for section in school.catalog.get("national@2026.1").questions.sections]
    own = [section.title for section in questions.sections if section.title not in base]
    assert "Classroom practice" in own
    assert titles[-len(own) :] == own, "the overlay's own sections come after the base's"
    assert titles[-len(own) - len(base) : -len(own)] == base
    assert f'name="standards" value="{OVERLAY}"' in page
    ratings = re.findall(rf'<input[^>]*id="{RATING_ID}-([a-z-]+)" name="{STATEMENT}.rating" type="radio"', page)
    assert ratings == ["in-place", "partly-in-place", "not-in-place", "not-applicable", "blank"]
    for words in ("In place", "Partly in place", "Not in place", "Not applicable", "Not answered"):
        assert f">{words}</label>" in page
    evidence = re.search(rf'<textarea[^>]*id="{EVIDENCE_ID}"[^>]*>', page)
    assert evidence
    assert f'name="{STATEMENT}.evidence"' in evidence.group(0)
    assert 'maxlength="500"' in evidence.group(0)
    assert f'aria-describedby="{EVIDENCE_ID}-hint"' in evidence.group(0)
    assert f'<label class="govuk-label" for="{EVIDENCE_ID}">Evidence: where it sits' in page
    assert "Aggregate only: never name a pupil." in page


def test_a_statement_that_cannot_be_not_applicable_has_no_such_radio(school: School) -> None:
    question = (
        school.catalog.get(OVERLAY).questions.by_id()[STATEMENT].model_copy(update={"allow_not_applicable": False})
    )
    rating = forms.form_question(question).slots[0]
    assert [option.value for option in rating.options] == ["in_place", "partly_in_place", "not_in_place", ""]


# ---------------------------------------------------------------------------------------------- posting a statement


def test_a_posted_statement_is_stored_and_scored_against_the_overlay(school: School) -> None:
    response = school.post(statement_fields("partly_in_place", "Learning walk, March\r\nPhotographs"))
    assert response.status_code == 303, response.text
    audit_id = response.headers["location"].split("/")[2]
    stored = school.client.get(f"/v1/audits/{audit_id}", headers=school.admin).json()
    expected = {"rating": "partly_in_place", "evidence": "Learning walk, March\nPhotographs"}
    assert stored["audit"]["classroom"] == {"visual_timetables": expected}
    report = school.client.get(f"/v1/audits/{audit_id}/report", headers=school.admin).json()
    assert report["standards"]["set"] == "somerset-example"
    result = next(r for r in report["results"] if r["rule"] == STATEMENT_RULE_ID)
    assert (result["status"], result["measured"]["value"]) == ("partially_met", "partly_in_place")
    page = school.client.get(response.headers["location"])
    assert "Every classroom shows a visual timetable that pupils use" in page.text


def test_over_long_evidence_is_shown_beside_its_box(school: School) -> None:
    response = school.post(statement_fields("in_place", "x" * 501))
    assert response.status_code == 422, response.text
    assert field_error(response, EVIDENCE_ID) == "is too long"
    label = "Every classroom shows a visual timetable that pupils use (evidence)"
    assert summary_items(response) == [(EVIDENCE_ID, f"{label}: is too long")]
    assert re.search(rf'<textarea[^>]*aria-describedby="{EVIDENCE_ID}-hint {EVIDENCE_ID}-error"', response.text)
    assert textarea_value(response.text, EVIDENCE_ID) == "x" * 501, "what was typed is shown again"
    assert is_checked(response, f"{RATING_ID}-in-place")
    assert f'name="standards" value="{OVERLAY}"' in response.text, "the form still follows the overlay"


def test_evidence_without_a_rating_asks_for_the_rating(school: School) -> None:
    response = school.post(statement_fields("", "Learning walk"))
    assert response.status_code == 422, response.text
    assert field_error(response, RATING_ID) == "is required"
    [(target, _)] = summary_items(response)
    assert target == f"{RATING_ID}-in-place", "the link moves to the first radio"


def test_the_national_version_refuses_nothing_it_does_not_ask(school: School) -> None:
    """Posted to the national form, an overlay question's fields are not read: the audit is the national one."""
    response = school.post(statement_fields("in_place", "Walk", standards=""))
    assert response.status_code == 303, response.text
    stored = school.client.get(f"/v1/audits/{response.headers['location'].split('/')[2]}", headers=school.admin)
    assert "classroom" not in stored.json()["audit"]


def test_an_unknown_version_is_not_found(school: School) -> None:
    assert school.client.get(f"/schools/{URN}/audit", params={"standards": "nowhere@1.1"}).status_code == 404
    assert school.post(statement_fields("in_place", "Walk", standards="nowhere@1.1")).status_code == 404


# ---------------------------------------------------------------------------------------------- drafts and prefill


def test_a_draft_with_a_statement_reopens_with_it_and_its_version(school: School) -> None:
    fields = {"audit_date": "2026-11-10", "standards": OVERLAY, f"{STATEMENT}.rating": "not_in_place"}
    fields[f"{STATEMENT}.evidence"] = "None yet"
    saved = school.post(fields, action="save")
    assert saved.status_code == 303
    with session_scope(school.engine) as session:
        draft = repository.get_draft(session=session, urn=URN)
        assert draft is not None
        assert draft.standards == OVERLAY
        assert draft.body["classroom"] == {"visual_timetables": {"rating": "not_in_place", "evidence": "None yet"}}

    again = school.client.get(f"/schools/{URN}/audit")
    assert "Your saved draft is filled in below" in again.text
    assert f'name="standards" value="{OVERLAY}"' in again.text, "the draft reopens with its version"
    assert is_checked(again, f"{RATING_ID}-not-in-place")
    assert textarea_value(again.text, EVIDENCE_ID) == "None yet"
    assert input_value(again, "f-audit-date") == "2026-11-10"
    assert STATEMENT not in school.form(NATIONAL), "asked for another version, the form asks its questions"


def test_prefilled_values_fill_only_the_questions_the_version_asks(school: School) -> None:
    body = {
        "audit_date": "2026-11-10",
        "school": {"urn": URN},
        "pupils": {"on_roll": 300, "in_year_leavers": 4},
        "classroom": {"visual_timetables": {"rating": "in_place"}},
    }
    note = {"source": "sen", "file": "sen.csv", "census": "January 2026"}
    provenance = {"pupils.on_roll": note, "pupils.in_year_leavers": note, STATEMENT: note}
    with session_scope(school.engine) as session:
        repository.put_draft(
            session=session,
            draft=DraftRow(school_urn=URN, body=body, provenance=provenance, updated_by="x", updated_at=utcnow()),
        )
    page = school.form()
    assert input_value_of(page, "f-pupils-on-roll") == "300"
    assert "From January 2026 census: check and correct." in page
    assert page.count("app-source-note") == 1, "a note only beside a question the version asks"
    assert "in-year-leavers" not in page
    assert STATEMENT not in page

    start = drafts.start_form(engine=school.engine, principal=Principal(key_id="test", role=Role.admin), urn=URN)
    shown = drafts.for_questions(start, school.catalog.get(NATIONAL).questions)
    assert shown.answers == {"audit_date": "2026-11-10", "school": {"urn": URN}, "pupils": {"on_roll": 300}}
    assert shown.provenance == {"pupils.on_roll": note}
    overlay = drafts.for_questions(start, school.catalog.get(OVERLAY).questions)
    assert overlay.answers["classroom"] == body["classroom"]
    assert set(overlay.provenance) == {"pupils.on_roll", STATEMENT}


def input_value_of(page: str, field_id: str) -> str:
    found = re.search(rf'<input[^>]*\bid="{field_id}"[^>]*\bvalue="([^"]*)"', page)
    assert found, f"no input {field_id}"
    return html.unescape(found.group(1))


# ---------------------------------------------------------------------------------------------- reading posts


def test_every_kind_round_trips_between_answers_and_the_posted_form(council_catalog: Catalog) -> None:
    form = forms.sections(council_catalog.get(OVERLAY).questions)
    audit = example_audit(URN, audit_date="2026-11-20")
    audit["classroom"] = {"visual_timetables": {"rating": "in_place", "evidence": "Learning walk"}}
    values, nones = forms.form_values(audit, form)
    posted = {**values, **{f"{name}{forms.NONE_SUFFIX}": "yes" for name in nones}}
    assert forms.read_form(posted, URN, form) == audit
    assert values["senco.designated"] in ("yes", "no")
    assert values[f"{STATEMENT}.rating"] == "in_place"


@pytest.mark.parametrize(
    ("kind", "text", "answer"),
    [
        ("flag", "yes", True),
        ("flag", "No", False),
        ("flag", "maybe", "maybe"),
        ("whole_number", "12", 12),
        ("whole_number", "1.5", "1.5"),
        ("whole_number", "1_000", "1_000"),
        ("number", "0.4", 0.4),
        ("number", "2", 2.0),
        ("number", "two days", "two days"),
        ("percent", "97.5", 97.5),
        ("date", "2026-11-20", "2026-11-20"),
        ("choice", "primary", "primary"),
        ("text", "12", "12"),
    ],
)
def test_posted_text_becomes_the_answer_of_its_kind(kind: str, text: str, answer: Any) -> None:
    assert forms.typed_answer(kind, text) == answer
    assert type(forms.typed_answer(kind, text)) is type(answer)
