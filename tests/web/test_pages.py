"""The pages for people, without a browser: sign-in and sessions, CSRF, the self-audit form and its messages,
drafts, uploads, reports and downloads, share links, and who may see what. Runs on each database.

Browser tests (Chromium, axe-core, keyboard, no JavaScript, PDF) are in tests/browser/.
"""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx2 as httpx
import pytest
import yaml
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from api.config import Settings
from api.engine import notes, render
from api.engine.notes import notes_for
from api.rules.catalog import Catalog
from api.service import audits as audit_service
from api.service.access import Principal, Role
from api.storage import repository
from api.storage.db import session_scope
from api.storage.tables import utcnow
from api.web import forms
from api.web.app import create_app
from tests.builders import exception_body
from tests.conftest import example_audit, make_key, national_questions

URN = "113328"
OTHER_URN = "100000"  # same trust, but the school key of URN cannot see it
TRUST = "T1"
FORM = forms.sections(national_questions("national@2026.1"))
SLOTS = {slot.name: slot for question in forms.questions_of(FORM) for slot in question.slots}
LABELS = {name: slot.summary for name, slot in SLOTS.items()}


@pytest.fixture
def app(settings: Settings, engine: Engine, catalog: Catalog) -> FastAPI:
    """The app on a fresh database, sharing the session's catalogue."""
    return create_app(settings, catalog=catalog, key_cache_seconds=0)


@dataclass
class World:
    client: TestClient
    engine: Engine
    admin: dict[str, str]
    audit_id: str  # an audit of URN
    other_audit_id: str  # an audit of OTHER_URN

    def key(self, role: str, school: str = URN) -> str:
        """A new key's secret (for signing in), of a school or governor of ``school``."""
        return make_key(self.engine, role, school=school).removeprefix("Bearer ")

    def fresh(self) -> TestClient:
        """Another client of the same app, with no cookies."""
        return TestClient(self.client.app, raise_server_exceptions=False)


@pytest.fixture
def world(client: TestClient, engine: Engine) -> World:
    """Trust T1 with schools URN and OTHER_URN, one audit each, submitted through the API."""
    admin = {"Authorization": make_key(engine, "admin")}
    assert client.put(f"/v1/trusts/{TRUST}", json={"name": "Trust one"}, headers=admin).status_code == 201
    ids = []
    for urn in (URN, OTHER_URN):
        response = client.put(f"/v1/schools/{urn}", json={"name": f"School {urn}", "trust_id": TRUST}, headers=admin)
        assert response.status_code == 201, response.text
        submitted = client.post(f"/v1/schools/{urn}/audits", json=example_audit(urn), headers=admin)
        assert submitted.status_code == 201, submitted.text
        ids.append(submitted.json()["audit"]["id"])
    return World(client=client, engine=engine, admin=admin, audit_id=ids[0], other_audit_id=ids[1])


# ---------------------------------------------------------------------------------------------- helpers


def csrf_of(response: httpx.Response) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', response.text)
    assert found, f"no CSRF field on {response.url}"
    return found.group(1)


def sign_in(client: TestClient, key: str) -> str:
    """Sign in with a key; returns the session's CSRF token (from the page signed in to)."""
    token = csrf_of(client.get("/sign-in"))
    response = client.post("/sign-in", data={"api_key": key, "csrf": token}, follow_redirects=False)
    assert response.status_code == 303, response.text
    assert response.headers["location"] == "/"
    return csrf_of(client.get("/", follow_redirects=True))


def summary_items(response: httpx.Response) -> list[tuple[str, str]]:
    """The error summary's links: (target id, text)."""
    found = re.search(r'<div class="govuk-error-summary".*?</ul>', response.text, re.S)
    assert found, "no error summary on the page"
    links = re.findall(r'<a href="#([^"]+)">(.*?)</a>', found.group(0), re.S)
    return [(target, html.unescape(text).strip()) for target, text in links]


def summary_list(response: httpx.Response) -> dict[str, str]:
    """The first summary list's rows, as plain text: key to value."""
    pairs = re.findall(
        r'<dt class="govuk-summary-list__key">(.*?)</dt><dd class="govuk-summary-list__value">(.*?)</dd>',
        response.text,
        re.S,
    )
    return {html.unescape(key).strip(): html.unescape(re.sub(r"<[^>]+>", "", value)).strip() for key, value in pairs}


def field_error(response: httpx.Response, field_id: str) -> str:
    found = re.search(rf'<p id="{field_id}-error" class="govuk-error-message">(.*?)</p>', response.text, re.S)
    assert found, f"no error message beside {field_id}"
    return html.unescape(re.sub(r"<[^>]+>", "", found.group(1))).replace("Error:", "", 1).strip()


def input_value(response: httpx.Response, field_id: str) -> str:
    found = re.search(rf'<input[^>]*\bid="{field_id}"[^>]*>', response.text)
    assert found, f"no input {field_id}"
    value = re.search(r'\bvalue="([^"]*)"', found.group(0))
    return html.unescape(value.group(1)) if value else ""


def is_checked(response: httpx.Response, field_id: str) -> bool:
    found = re.search(rf'<input[^>]*\bid="{field_id}"[^>]*>', response.text)
    assert found, f"no input {field_id}"
    return " checked" in found.group(0)


def form_fields(audit: dict[str, Any]) -> dict[str, str]:
    """An audit as the form posts it: dotted names, yes/no for flags, text for the rest."""
    fields: dict[str, str] = {}
    for key, value in audit.items():
        items = value.items() if isinstance(value, dict) else [("", value)]
        for name, inner in items:
            path = f"{key}.{name}" if name else key
            if path == "school.urn":
                continue
            if inner is None:
                fields[f"{path}__none"] = "yes"
            elif isinstance(inner, bool):
                fields[path] = "yes" if inner else "no"
            else:
                fields[path] = str(inner)
    return fields


MISTAKES = {
    "pupils.on_roll": "100",
    "pupils.sen_support": "80",
    "pupils.ehcp": "30",
    "senco.protected_fte": "two days",
    "senco.designated": "maybe",
    "audit_date": "2026-02-30",
}
MISTAKES_AS_JSON = {
    "audit_date": "2026-02-30",
    "school": {"urn": URN},
    "pupils": {"on_roll": 100, "sen_support": 80, "ehcp": 30},
    "senco": {"protected_fte": "two days", "designated": "maybe"},
}


# ---------------------------------------------------------------------------------------------- signing in


def test_home_sends_people_to_sign_in_and_pages_need_a_session(world: World) -> None:
    response = world.client.get("/", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/sign-in"
    for path in (f"/schools/{URN}", f"/schools/{URN}/audit", f"/audits/{world.audit_id}/report", "/schools"):
        page = world.client.get(path)
        assert page.status_code == 401, path
        assert page.headers["content-type"].startswith("text/html")
        assert "Sign in to see this page" in page.text
        assert 'href="/sign-in"' in page.text


def test_sign_in_refuses_a_wrong_key_and_accepts_a_right_one(world: World) -> None:
    token = csrf_of(world.client.get("/sign-in"))
    refused = world.client.post("/sign-in", data={"api_key": "oap_wrong_wrong", "csrf": token})
    assert refused.status_code == 400
    assert "<title>Error: Sign in" in refused.text
    assert summary_items(refused) == [("api-key", "Enter a valid access key; it starts with oap_")]
    assert field_error(refused, "api-key") == "Enter a valid access key; it starts with oap_"
    assert 'aria-describedby="api-key-hint api-key-error"' in refused.text
    assert "oap_session" not in refused.headers.get("set-cookie", "")

    response = world.client.post(
        "/sign-in", data={"api_key": f"  {world.key('school')} ", "csrf": token}, follow_redirects=False
    )
    assert response.status_code == 303
    school = world.client.get("/", follow_redirects=True)
    assert school.url.path == f"/schools/{URN}"
    assert "Sign out" in school.text


def test_the_session_cookie_is_http_only_and_same_site_lax(world: World) -> None:
    token = csrf_of(world.client.get("/sign-in"))
    key = world.key("school")
    response = world.client.post("/sign-in", data={"api_key": key, "csrf": token}, follow_redirects=False)
    cookies = [c for c in response.headers.get_list("set-cookie") if c.startswith("oap_session=")]
    assert len(cookies) == 1
    attributes = {part.strip().split("=", 1)[0].lower(): part.strip() for part in cookies[0].split(";")[1:]}
    assert "httponly" in attributes
    assert attributes["samesite"].lower() == "samesite=lax"
    assert attributes["path"] == "Path=/"
    assert "secure" not in attributes  # plain http in tests; https sets Secure
    assert 0 < int(attributes["max-age"].split("=")[1]) <= 8 * 60 * 60
    # The key (its secret, which may itself contain "_") is not in the cookie.
    prefix, _, secret = key.split("_", 2)
    assert (prefix, len(secret)) == ("oap", 32)
    assert secret not in cookies[0]


def test_sign_out_ends_the_session(world: World) -> None:
    token = sign_in(world.client, world.key("school"))
    response = world.client.post("/sign-out", data={"csrf": token}, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/sign-in"
    assert world.client.get(f"/schools/{URN}").status_code == 401


# ---------------------------------------------------------------------------------------------- CSRF


@pytest.mark.parametrize("token", ["", "not-the-token"])
def test_posts_without_the_right_csrf_token_are_refused(world: World, token: str) -> None:
    csrf_of(world.client.get("/sign-in"))  # the pre-sign-in token cookie is set
    refused = world.client.post("/sign-in", data={"api_key": world.key("school"), "csrf": token})
    assert refused.status_code == 403
    assert refused.headers["content-type"].startswith("text/html")
    assert "did not come from this service" in refused.text
    assert "oap_session" not in refused.headers.get("set-cookie", "")

    real = sign_in(world.client, world.key("school"))
    assert real != token
    audit = form_fields(example_audit(URN))
    posts = [
        (f"/schools/{URN}/audit", {**audit, "action": "submit", "csrf": token}),
        (f"/schools/{URN}/audit", {**audit, "action": "save", "csrf": token}),
        (f"/schools/{URN}/share", {"days": "30", "csrf": token}),
        ("/sign-out", {"csrf": token}),
    ]
    for path, data in posts:
        response = world.client.post(path, data=data)
        assert response.status_code == 403, (path, response.text)
        assert "did not come from this service" in response.text
    upload = world.client.post(
        f"/schools/{URN}/audit/upload",
        data={"csrf": token},
        files={"audit_file": ("a.csv", b"audit_date\n", "text/csv")},
    )
    assert upload.status_code == 403
    with session_scope(world.engine) as session:
        assert repository.count_audits(session=session, urn=URN) == 1
        assert repository.get_draft(session=session, urn=URN) is None
    assert world.client.get(f"/schools/{URN}").status_code == 200, "still signed in"


def test_a_token_from_another_session_is_refused(world: World) -> None:
    other = world.fresh()
    stolen = sign_in(other, world.key("school"))
    sign_in(world.client, world.key("school"))
    response = world.client.post(f"/schools/{URN}/share", data={"days": "30", "csrf": stolen})
    assert response.status_code == 403


# ---------------------------------------------------------------------------------------------- the form


def test_form_is_prefilled_from_the_last_audit(world: World) -> None:
    sign_in(world.client, world.key("school"))
    page = world.client.get(f"/schools/{URN}/audit")
    assert page.status_code == 200
    assert "The answers from your last audit are filled in below" in page.text
    assert input_value(page, "f-audit-date") == "2026-11-02"
    assert input_value(page, "f-pupils-on-roll") == "223"
    assert is_checked(page, "f-senco-designated-yes")
    assert is_checked(page, "f-school-phase-primary")
    assert 'inputmode="numeric"' in page.text
    assert 'inputmode="decimal"' in page.text


def test_form_messages_are_the_apis_messages_for_the_same_input(world: World) -> None:
    api = world.client.post(f"/v1/schools/{URN}/audits", json=MISTAKES_AS_JSON, headers=world.admin)
    assert api.status_code == 422
    api_errors = [(e["field"], e["message"]) for e in api.json()["errors"]]
    assert len(api_errors) >= 3
    fields = {field for field, _ in api_errors}
    assert {"audit_date", "senco.protected_fte", "senco.designated"} <= fields

    token = sign_in(world.client, world.key("school"))
    page = world.client.post(f"/schools/{URN}/audit", data={**MISTAKES, "action": "submit", "csrf": token})
    assert page.status_code == 422
    assert "<title>Error: Self-audit" in page.text
    order = list(SLOTS)
    expected = [
        (SLOTS[field].anchor, f"{LABELS[field]}: {message}")
        for field, message in sorted(api_errors, key=lambda item: order.index(item[0]))
    ]
    assert summary_items(page) == expected
    for field, message in api_errors:
        assert field_error(page, SLOTS[field].id) == message
    # A yes/no question's link goes to its first radio, which can take focus (a fieldset cannot).
    assert ("f-senco-designated-yes", f"{LABELS['senco.designated']}: must be true or false") in expected
    # What was typed is shown again, to correct.
    assert input_value(page, "f-senco-protected-fte") == "two days"
    assert input_value(page, "f-pupils-sen-support") == "80"
    with session_scope(world.engine) as session:
        assert repository.count_audits(session=session, urn=URN) == 1


def test_cross_field_message_is_the_apis(world: World) -> None:
    audit = example_audit(URN, pupils={"on_roll": 100, "sen_support": 80, "ehcp": 30})
    api = world.client.post(f"/v1/schools/{URN}/audits", json=audit, headers=world.admin)
    assert api.status_code == 422
    [(field, message)] = [(e["field"], e["message"]) for e in api.json()["errors"]]
    token = sign_in(world.client, world.key("school"))
    page = world.client.post(f"/schools/{URN}/audit", data={**form_fields(audit), "action": "submit", "csrf": token})
    assert page.status_code == 422
    assert summary_items(page) == [("f-pupils-sen-support", f"{LABELS[field]}: {message}")]


def test_submitting_the_form_stores_the_audit_and_shows_its_report(world: World) -> None:
    token = sign_in(world.client, world.key("school"))
    fields = form_fields(example_audit(URN, audit_date="2026-11-20"))
    fields["environment.sensory_audit_on__none"] = "yes"
    response = world.client.post(
        f"/schools/{URN}/audit", data={**fields, "action": "submit", "csrf": token}, follow_redirects=False
    )
    assert response.status_code == 303, response.text
    audit_id = response.headers["location"].split("/")[2]
    stored = world.client.get(f"/v1/audits/{audit_id}", headers=world.admin).json()
    assert stored["audit"]["audit_date"] == "2026-11-20"
    assert stored["audit"]["environment"]["sensory_audit_on"] is None
    report = world.client.get(response.headers["location"])
    assert report.status_code == 200
    assert "Gap report: audit of 20 November 2026" in report.text


def test_save_as_draft_then_come_back_to_it(world: World) -> None:
    token = sign_in(world.client, world.key("school"))
    fields = {"audit_date": "2026-11-10", "pupils.on_roll": "321", "senco.protected_fte": "not sure yet"}
    saved = world.client.post(
        f"/schools/{URN}/audit", data={**fields, "action": "save", "csrf": token}, follow_redirects=False
    )
    assert saved.status_code == 303
    assert saved.headers["location"] == f"/schools/{URN}"
    school = world.client.get(f"/schools/{URN}")
    assert "Continue your saved draft" in school.text
    with session_scope(world.engine) as session:
        assert repository.count_audits(session=session, urn=URN) == 1, "a draft is not an audit"

    again = world.client.get(f"/schools/{URN}/audit")
    assert "Your saved draft is filled in below" in again.text
    assert input_value(again, "f-audit-date") == "2026-11-10"
    assert input_value(again, "f-pupils-on-roll") == "321"
    assert input_value(again, "f-senco-protected-fte") == "not sure yet", "a draft keeps even a wrong answer"
    assert input_value(again, "f-pupils-ehcp") == "", "not from the last audit: the draft wins"

    submitted = world.client.post(
        f"/schools/{URN}/audit",
        data={**form_fields(example_audit(URN, audit_date="2026-11-10")), "action": "submit", "csrf": token},
        follow_redirects=False,
    )
    assert submitted.status_code == 303
    assert "Start a self-audit" in world.client.get(f"/schools/{URN}").text, "submitting discards the draft"


# ---------------------------------------------------------------------------------------------- uploads


def upload(client: TestClient, token: str, name: str, content: bytes) -> httpx.Response:
    return client.post(
        f"/schools/{URN}/audit/upload",
        data={"csrf": token},
        files={"audit_file": (name, content, "application/octet-stream")},
        follow_redirects=False,
    )


def flat(audit: dict[str, Any]) -> dict[str, Any]:
    """An audit's answers by dotted path, as CSV columns name them."""
    out: dict[str, Any] = {}
    for key, value in audit.items():
        for name, inner in value.items() if isinstance(value, dict) else [("", value)]:
            out[f"{key}.{name}" if name else key] = inner
    return out


def audit_csv(*audits: dict[str, Any]) -> bytes:
    rows = [flat(audit) for audit in audits]
    columns = list(dict.fromkeys(column for row in rows for column in row))
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns)
    writer.writeheader()
    for row in rows:
        writer.writerow(
            {
                key: "" if value is None else str(value).lower() if isinstance(value, bool) else value
                for key, value in row.items()
            }
        )
    return out.getvalue().encode("utf-8")


@pytest.mark.parametrize("kind", ["csv", "yaml"])
def test_upload_an_audit_file(world: World, kind: str) -> None:
    token = sign_in(world.client, world.key("school"))
    audit = example_audit(URN, audit_date="2026-11-15")
    content = audit_csv(audit) if kind == "csv" else yaml.safe_dump(audit).encode("utf-8")
    response = upload(world.client, token, f"audit.{kind}", content)
    assert response.status_code == 303, response.text
    audit_id = response.headers["location"].split("/")[2]
    stored = world.client.get(f"/v1/audits/{audit_id}", headers=world.admin).json()
    assert stored["audit"]["audit_date"] == "2026-11-15"
    assert stored["audit"]["pupils"] == audit["pupils"]
    assert stored["source"] == "upload"


def test_upload_problems_are_shown_beside_the_file_field(world: World) -> None:
    token = sign_in(world.client, world.key("school"))
    cases = [
        ("", b"", "Choose a CSV or YAML file of the audit to upload"),
        ("audit.txt", b"hello", "The file must be a CSV file (.csv) or a YAML file (.yaml or .yml)"),
        ("two.csv", audit_csv(example_audit(URN), example_audit(URN)), "The file must hold exactly one audit"),
        ("empty.csv", b"", "The file must hold exactly one audit"),
        ("broken.yaml", b"audit_date: [", "The file cannot be read"),
    ]
    for name, content, message in cases:
        response = upload(world.client, token, name, content)
        assert response.status_code == 400, (name, response.text)
        assert "<title>Error: School" in response.text
        [(target, text)] = summary_items(response)
        assert target == "audit-file", name
        assert text.startswith(message), (name, text)
        assert field_error(response, "audit-file").startswith(message)
        assert 'aria-describedby="audit-file-hint audit-file-error"' in response.text
    no_part = world.client.post(f"/schools/{URN}/audit/upload", data={"csrf": token})
    assert no_part.status_code == 400
    assert summary_items(no_part)[0][0] == "audit-file"

    invalid = example_audit(URN, audit_date="not a date")
    shown = upload(world.client, token, "audit.yaml", yaml.safe_dump(invalid).encode("utf-8"))
    assert shown.status_code == 422, "an audit that reads but is not valid opens in the form to correct"
    assert summary_items(shown) == [("f-audit-date", f"{LABELS['audit_date']}: must be a date written YYYY-MM-DD")]
    with session_scope(world.engine) as session:
        assert repository.count_audits(session=session, urn=URN) == 1


# ---------------------------------------------------------------------------------------------- reports


def world_catalog(world: World) -> Catalog:
    """The catalogue the app serves."""
    catalog: Catalog = world.client.app.state.services.catalog  # type: ignore[attr-defined]
    return catalog


def stored_report(world: World, audit_id: str) -> Mapping[str, Any]:
    """The report as the service gives it to the pages (the API's JSON writes some whole numbers as floats)."""
    services = world.client.app.state.services  # type: ignore[attr-defined]
    report: Mapping[str, Any] = audit_service.get_audit_report(
        engine=services.engine,
        scoring=services.scoring,
        principal=Principal(key_id="test", role=Role.admin),
        audit_id=audit_id,
        standards=None,
    )
    return report


def test_report_page_and_downloads(world: World) -> None:
    sign_in(world.client, world.key("school"))
    report = world.client.get(f"/v1/audits/{world.audit_id}/report", headers=world.admin).json()
    page = world.client.get(f"/audits/{world.audit_id}/report")
    assert page.status_code == 200
    assert f"{report['score']} out of 100" in page.text
    urgent = [r for r in report["results"] if r["gap"] is not None][:3]
    listed = re.search(r'id="urgent-gaps">.*?<ol[^>]*>(.*?)</ol>', page.text, re.S)
    assert listed
    assert [html.unescape(t) for t in re.findall(r"<li><strong>(.*?)</strong>", listed.group(1))] == [
        r["title"] for r in urgent
    ]

    as_csv = world.client.get(f"/audits/{world.audit_id}/report.csv")
    assert as_csv.status_code == 200
    assert as_csv.headers["content-type"] == "text/csv; charset=utf-8"
    assert as_csv.headers["content-disposition"] == f'attachment; filename="gap-report-{URN}-2026-11-02.csv"'
    stored = stored_report(world, world.audit_id)
    assert as_csv.text == render.to_csv([stored])
    rows = list(csv.DictReader(io.StringIO(as_csv.text)))
    assert [(row["rule"], row["status"]) for row in rows] == [(r["rule"], r["status"]) for r in report["results"]]

    as_md = world.client.get(f"/audits/{world.audit_id}/report.md")
    assert as_md.status_code == 200
    assert as_md.headers["content-type"] == "text/markdown; charset=utf-8"
    assert as_md.headers["content-disposition"] == f'attachment; filename="gap-report-{URN}-2026-11-02.md"'
    assert as_md.text == render.to_markdown(stored, notes_for(world_catalog(world), stored))

    compare = world.client.get(f"/audits/{world.audit_id}/compare", params={"standards": "national@2025.1"})
    assert compare.status_code == 200
    assert "Compare with national@2025.1" in compare.text
    assert world.client.get(f"/audits/{world.audit_id}/compare", params={"standards": "nope@1"}).status_code == 404


def test_report_page_lists_agreed_exceptions_the_adjusted_score_and_the_governor_sign_off(world: World) -> None:
    token = sign_in(world.client, world.key("governor"))
    plain = world.client.get(f"/audits/{world.audit_id}/report")
    assert "Agreed exceptions" not in plain.text, "no exceptions section for a school that has none"
    assert "Not signed off yet" in plain.text
    assert token

    report = world.client.get(f"/v1/audits/{world.audit_id}/report", headers=world.admin).json()
    short = [r for r in report["results"] if r["status"] in ("not_met", "partially_met") and r["basis"] != "statutory"]
    assert len(short) >= 2, "the example audit falls short on two rules that are not statutory duties"
    today = dt.date.today()
    kept, withdrawn = (
        world.client.post(f"/v1/schools/{URN}/exceptions", json=exception_body(r["rule"]), headers=world.admin)
        for r in short[:2]
    )
    assert kept.status_code == withdrawn.status_code == 201
    gone = world.client.post(f"/v1/exceptions/{withdrawn.json()['id']}/withdraw", headers=world.admin)
    assert gone.status_code == 200
    governor = {"Authorization": make_key(world.engine, "governor", school=URN)}
    signed = world.client.post(
        f"/v1/audits/{world.audit_id}/sign-off", json={"reviewer_name": "Sam Governor"}, headers=governor
    )
    assert signed.status_code == 201, signed.text
    adjusted = world.client.get(f"/v1/audits/{world.audit_id}/adjusted-report", headers=world.admin).json()
    assert adjusted["excluded_rules"] == [short[0]["rule"]]

    page = world.client.get(f"/audits/{world.audit_id}/report")
    assert page.status_code == 200
    summary = summary_list(page)
    assert summary["Score"] == f"{report['score']} out of 100", "the raw score stays as scored"
    assert summary["Score with agreed exceptions"].startswith(
        f"{adjusted['adjusted_score']} out of 100, band {adjusted['adjusted_band_label']}: 1 rule left out"
    )
    assert summary["Governor review"].startswith(f"Signed off by Sam Governor on {today.day} {today:%B %Y}")
    table = re.search(r'id="exceptions">.*?<tbody[^>]*>(.*?)</tbody>', page.text, re.S)
    assert table, "the exceptions are listed"
    rows = [
        [
            html.unescape(re.sub(r"<[^>]+>", "", cell)).strip()
            for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        ]
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", table.group(1), re.S)
    ]
    states = {row[0]: row[1] for row in rows}
    assert states == {short[0]["title"]: "Counts", short[1]["title"]: f"Withdrawn on {today.day} {today:%B %Y}"}
    assert all(row[3] == "Pat Chair, Chair of the local governing board" for row in rows)


def test_another_schools_pages_are_not_found(world: World) -> None:
    token = sign_in(world.client, world.key("school"))
    for path in (
        f"/schools/{OTHER_URN}",
        f"/schools/{OTHER_URN}/audit",
        f"/audits/{world.other_audit_id}/report",
        f"/audits/{world.other_audit_id}/report.csv",
        f"/audits/{world.other_audit_id}/report.md",
        f"/audits/{world.other_audit_id}/compare",
        "/audits/0123456789abcdef0123456789abcdef/report",
    ):
        response = world.client.get(path)
        assert response.status_code == 404, path
        assert "Page not found" in response.text
    posts = [
        (f"/schools/{OTHER_URN}/audit", {**form_fields(example_audit(OTHER_URN)), "action": "submit"}),
        (f"/schools/{OTHER_URN}/audit", {"action": "save"}),
        (f"/schools/{OTHER_URN}/share", {"days": "30"}),
    ]
    for path, data in posts:
        assert world.client.post(path, data={**data, "csrf": token}).status_code == 404, path
    with session_scope(world.engine) as session:
        assert repository.count_audits(session=session, urn=OTHER_URN) == 1
        assert repository.get_draft(session=session, urn=OTHER_URN) is None


def test_trust_key_lists_the_trusts_schools(world: World) -> None:
    sign_in(world.client, make_key(world.engine, "trust", trust=TRUST).removeprefix("Bearer "))
    page = world.client.get("/schools")
    assert page.status_code == 200
    assert f'href="/schools/{URN}"' in page.text
    assert f'href="/schools/{OTHER_URN}"' in page.text
    assert world.client.get("/", follow_redirects=False).headers["location"] == "/schools"


# ---------------------------------------------------------------------------------------------- governors


def test_governor_session_can_read_but_not_fill_in_or_post(world: World) -> None:
    token = sign_in(world.client, world.key("governor"))
    school = world.client.get(f"/schools/{URN}")
    assert school.status_code == 200
    assert "Read the latest gap report" in school.text
    for hidden in ("Start a self-audit", "Upload and get the report", "Create a share link", "Submit and get"):
        assert hidden not in school.text
    form = world.client.get(f"/schools/{URN}/audit")
    assert form.status_code == 403
    assert "Submit and get the report" not in form.text
    assert world.client.get(f"/audits/{world.audit_id}/report").status_code == 200

    for action in ("submit", "save"):
        response = world.client.post(
            f"/schools/{URN}/audit", data={**form_fields(example_audit(URN)), "action": action, "csrf": token}
        )
        assert response.status_code == 403, action
    uploaded = upload(world.client, token, "audit.yaml", yaml.safe_dump(example_audit(URN)).encode("utf-8"))
    assert uploaded.status_code == 403
    assert world.client.post(f"/schools/{URN}/share", data={"days": "30", "csrf": token}).status_code == 403
    with session_scope(world.engine) as session:
        assert repository.count_audits(session=session, urn=URN) == 1
        assert repository.get_draft(session=session, urn=URN) is None
        assert repository.list_shares(session=session, urn=URN) == []


def create_share(world: World, token: str, days: str = "30", label: str = "Chair") -> tuple[str, str]:
    """A new share link: (its path, its id)."""
    response = world.client.post(f"/schools/{URN}/share", data={"days": days, "label": label, "csrf": token})
    assert response.status_code == 200, response.text
    assert "Share link created" in response.text
    shown = re.search(r'<textarea[^>]*id="share-url"[^>]*>([^<]*)</textarea>', response.text)
    assert shown, "the new link is shown to copy"
    url = html.unescape(shown.group(1))
    assert url.startswith("http://testserver/share/")
    rows = re.findall(r"<tr class=\"govuk-table__row\">(.*?)</tr>", response.text, re.S)
    revoke = [
        found.group(1)
        for row in rows
        if f">{label}</td>" in row
        and (found := re.search(rf'action="/schools/{URN}/share/([0-9a-f]+)/revoke"', row)) is not None
    ]
    assert len(revoke) == 1, "one active link with this label"
    return url.removeprefix("http://testserver"), revoke[0]


def test_share_link_opens_read_only_without_a_session(world: World) -> None:
    token = sign_in(world.client, world.key("school"))
    path, _ = create_share(world, token)
    governor = world.fresh()
    school = governor.get(path)
    assert school.status_code == 200
    assert "Sign out" not in school.text
    assert "Start a self-audit" not in school.text
    reports = re.findall(r'href="(/share/[^"]+/audits/[0-9a-f]+/report)"', school.text)
    assert reports
    assert all(link.startswith(path) for link in reports)
    assert f'href="/audits/{world.audit_id}/report"' not in school.text, "links for a share link stay under it"
    report = governor.get(f"{path}/audits/{world.audit_id}/report")
    assert report.status_code == 200
    assert "Gap report" in report.text
    stored = stored_report(world, world.audit_id)
    markdown = render.to_markdown(stored, notes_for(world_catalog(world), stored))
    for kind, text in (("csv", render.to_csv([stored])), ("md", markdown)):
        download = governor.get(f"{path}/audits/{world.audit_id}/report.{kind}")
        assert download.status_code == 200
        assert download.headers["content-disposition"] == f'attachment; filename="gap-report-{URN}-2026-11-02.{kind}"'
        assert download.text == text
    assert governor.get(f"{path}/audits/{world.audit_id}/compare").status_code == 200
    assert governor.get(f"{path}/audits/{world.other_audit_id}/report").status_code == 404
    assert governor.get(f"/schools/{URN}").status_code == 401, "a share link is not a session"
    assert governor.get(path[:-3] + "xyz").status_code == 401


def test_revoked_and_expired_share_links_are_refused(world: World) -> None:
    token = sign_in(world.client, world.key("school"))
    revoked, revoked_id = create_share(world, token, label="Revoked")
    expired, expired_id = create_share(world, token, label="Expired")
    governor = world.fresh()
    assert governor.get(revoked).status_code == 200

    response = world.client.post(f"/schools/{URN}/share/{revoked_id}/revoke", data={"csrf": token})
    assert response.status_code == 200  # followed to the school page
    assert re.search(r"Revoked</td>\s*<td[^>]*>[^<]*</td>\s*<td[^>]*>revoked</td>", response.text)
    refused = governor.get(revoked)
    assert refused.status_code == 401
    assert "This share link has been revoked; ask the school for a new one." in refused.text
    assert governor.get(f"{revoked}/audits/{world.audit_id}/report").status_code == 401

    with session_scope(world.engine) as session:
        row = repository.get_share(session=session, share_id=expired_id)
        assert row is not None
        row.expires_at = utcnow() - dt.timedelta(minutes=1)
        session.add(row)
    refused = governor.get(expired)
    assert refused.status_code == 401
    assert "This share link has expired; ask the school for a new one." in refused.text


@pytest.mark.parametrize("days", ["", "abc", "0", "366", "-5", "2.5", "³"])
def test_share_link_days_must_be_a_whole_number_from_1_to_365(world: World, days: str) -> None:
    token = sign_in(world.client, world.key("school"))
    response = world.client.post(f"/schools/{URN}/share", data={"days": days, "label": "Kept", "csrf": token})
    assert response.status_code == 400
    message = "Enter the days the link lasts as a whole number from 1 to 365"
    assert summary_items(response) == [("share-days", message)]
    assert field_error(response, "share-days") == message
    assert input_value(response, "share-days") == days
    assert input_value(response, "share-label") == "Kept"
    with session_scope(world.engine) as session:
        assert repository.list_shares(session=session, urn=URN) == []


# ---------------------------------------------------------------------------------------------- trust overview


def test_trust_overview_shows_each_school_by_domain_only_to_its_trust(world: World) -> None:
    client = world.fresh()
    trust_key = make_key(world.engine, "trust", trust=TRUST).removeprefix("Bearer ")
    sign_in(client, trust_key)
    page = client.get(f"/trusts/{TRUST}")
    assert page.status_code == 200
    assert f"School {URN}" in page.text
    assert f"School {OTHER_URN}" in page.text
    report = client.get(f"/v1/audits/{world.audit_id}/report", headers=world.admin).json()
    senco = next(domain for domain in report["domains"] if domain["id"] == "senco")
    assert f"{senco['score']}</span>" in page.text  # the domain's score from the stored report
    csv_rows = client.get(f"/trusts/{TRUST}/overview.csv").text.splitlines()
    assert len(csv_rows) == 3
    assert csv_rows[0].startswith("urn,school,audit_date,band,score,SENCO band")
    assert client.get("/trusts/NOT-MINE").status_code == 404

    school_client = world.fresh()
    sign_in(school_client, world.key("school"))
    assert school_client.get(f"/trusts/{TRUST}").status_code == 404


def page_text(response: httpx.Response) -> str:
    """A page's text without tags, whitespace collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.text)).split())


def test_report_page_shows_the_known_errors_and_marks_the_findings_they_affect(world: World) -> None:
    sign_in(world.client, world.key("school"))
    page = world.client.get(f"/audits/{world.audit_id}/report")
    assert page.status_code == 200
    banner = re.search(r'<div class="govuk-notification-banner"[^>]*id="known-errors">(.*?)</ul>', page.text, re.S)
    assert banner, "no known-errors banner"
    assert page.text.index("govuk-notification-banner") < page.text.index('id="urgent-gaps"'), "near the top"
    words = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", banner.group(1))).split())
    assert "Known errors in national@2026.1" in words
    errata = world_catalog(world).get("national@2026.1").errata
    for error in errata:
        assert " ".join(error.problem.split()) in words
        assert " ".join(error.effect.split()) in words
    marks = re.findall(r'<dt class="govuk-summary-list__key">Known error</dt><dd[^>]*>(.*?)</dd>', page.text, re.S)
    assert len(marks) == len({error.rule for error in errata})
    assert all('href="#known-errors"' in mark for mark in marks)
    assert 'This finding may be wrong: <a class="govuk-link" href="#known-errors">see known errors</a>.' in page.text
    json_report = world.client.get(f"/v1/audits/{world.audit_id}/report", headers=world.admin).json()
    assert not {"errata", "glossary", "notes"} & set(json_report), "stored reports stay as stored"


def test_report_page_footnotes_unconfirmed_paragraphs_says_what_the_standards_are_and_has_a_glossary(
    world: World,
) -> None:
    sign_in(world.client, world.key("school"))
    page = world.client.get(f"/audits/{world.audit_id}/report")
    text = page_text(page)
    assert "paragraph number to be confirmed" not in text
    assert text.count(notes.UNCONFIRMED) == 1
    assert "paragraph 6.87*" in text
    assert text.count(notes.BASELINE) == 1
    glossary = re.search(r'id="glossary">.*?<dl[^>]*>(.*?)</dl>', page.text, re.S)
    assert glossary, "no glossary"
    terms = [html.unescape(t) for t in re.findall(r'<dt class="govuk-summary-list__key">(.*?)</dt>', glossary.group(1))]
    assert len(terms) == len(set(terms))
    assert {"SEND", "SENCO", "TA", "FTE", "URN"} <= set(terms)
    before = text.split("Words and abbreviations", 1)[0]
    assert [t.term for t in world_catalog(world).glossary.used_in([before])] == terms


def test_a_shared_report_shows_the_same_notes(world: World) -> None:
    token = sign_in(world.client, world.key("school"))
    path, _ = create_share(world, token)
    shared = world.fresh().get(f"{path}/audits/{world.audit_id}/report")
    assert shared.status_code == 200
    assert 'id="known-errors"' in shared.text
    assert 'id="glossary"' in shared.text
    assert notes.BASELINE in page_text(shared)
