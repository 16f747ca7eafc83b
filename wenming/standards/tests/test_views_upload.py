"""Uploading a standard file: check → preview (new standard / unchanged / version N with its changes)
→ confirm; bad files list their problems and store nothing; a stale or repeated confirmation is
refused without writing a second version."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from wenming.core.models import AuditEntry
from wenming.standards.demo import EXAMPLES, load_example_standards
from wenming.standards.models import Standard, StandardVersion
from wenming.standards.services import standard_import
from wenming.standards.views import SESSION_KEY

pytestmark = pytest.mark.django_db

MONTH = "WMKS-M-2026"
MONTH_TEXT = (EXAMPLES / "wmks-month.yaml").read_text(encoding="utf-8")
B2 = "{code: B2, name: 未按要求开展道德讲堂等活动, points: 2}"
MONTH_V2 = MONTH_TEXT.replace(B2, B2.replace("points: 2", "points: 3"))


@pytest.fixture
def examples(db):
    return load_example_standards()


@pytest.fixture
def office(scenario, client_for):
    client = client_for(scenario.office)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def yaml_file(text: str | bytes, name: str = "standard.yaml") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode("utf-8") if isinstance(text, str) else text)


def upload(client, text: str | bytes, name: str = "standard.yaml"):
    return client.post(reverse("standards:upload"), {"file": yaml_file(text, name)})


def preview_url(response) -> str:
    assert response.status_code == 302, response.content.decode()[:2000]
    return response["Location"]


def confirm(client, preview: str, base: int):
    token = preview.rstrip("/").rsplit("/", 1)[-1]
    return client.post(reverse("standards:upload_confirm", args=[token]), {"base": base})


def versions(code: str = MONTH) -> list[int]:
    return list(StandardVersion.objects.filter(standard__code=code).values_list("number", flat=True))


def test_the_upload_page_renders(office, examples):
    response = office.get(reverse("standards:upload"))
    assert response.status_code == 200
    assert 'accept=".yaml,.yml' in response.content.decode()


def test_a_changed_file_shows_its_changes_first_then_becomes_version_2(scenario, office, examples):
    preview = preview_url(upload(office, MONTH_V2, "month-v2.yaml"))
    assert versions() == [1]  # nothing stored by checking
    page = office.get(preview)
    html = page.content.decode()
    assert page.context["plan"].number == 2
    assert "The file will become version 2 of WMKS-M-2026." in html
    assert "deduction B2: points 2 → 3" in html
    assert "Import as version 2" in html and 'name="base" value="1"' in html

    response = confirm(office, preview, base=1)
    assert response.status_code == 302 and response["Location"] == reverse("standards:detail", args=[MONTH])
    assert versions() == [1, 2]
    version = StandardVersion.objects.get(standard__code=MONTH, number=2)
    assert (version.created_by, version.source_filename, version.source) == (scenario.office, "month-v2.yaml", MONTH_V2)
    entry = AuditEntry.objects.get(action="standards.version.created", data__number=2)
    assert entry.actor == scenario.office and entry.data["changes"] == ["deduction B2: points 2 → 3"]
    shown = office.get(response["Location"])
    assert "Version 2 of WMKS-M-2026 has been imported." in shown.content.decode()


def test_a_new_code_becomes_a_new_standard(office, examples):
    text = MONTH_TEXT.replace(f"code: {MONTH}", "code: NEW-1").replace("name: 文明科室月度考核细则", "name: 新标准")
    preview = preview_url(upload(office, text))
    html = office.get(preview).content.decode()
    assert "The file will create the new standard NEW-1 (version 1)." in html
    assert 'name="base" value="0"' in html
    confirm(office, preview, base=0)
    assert versions("NEW-1") == [1]


def test_a_bad_file_lists_its_problems_naming_line_and_item_and_stores_nothing(office, examples):
    bad = MONTH_TEXT.replace("points: 15\n    children:", "points: 16\n    children:", 1)
    bad = bad.replace("{code: B1,", "{code: A1a,", 1)
    before = (Standard.objects.count(), StandardVersion.objects.count(), AuditEntry.objects.count())
    response = upload(office, bad)
    assert response.status_code == 400
    problems = response.context["problems"]
    assert any("item A: the points (16) must equal the sum of the children's points (15)" in p for p in problems)
    assert any(p.startswith("line ") and "A1a" in p and "more than once" in p for p in problems)
    html = response.content.decode()
    assert "Nothing has been stored." in html
    assert (Standard.objects.count(), StandardVersion.objects.count(), AuditEntry.objects.count()) == before
    assert not office.session.get(SESSION_KEY)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("standard.txt", b"code: X", "Please choose a .yaml or .yml file."),
        ("standard.yaml", b"", "The submitted file is empty."),
        ("standard.yaml", b"x" * 1_000_001, "The file is larger than"),
        ("standard.yaml", b"\xff\xfe\x00\x00\xff", "not text in UTF-8 or GB18030"),
    ],
)
def test_files_that_are_not_standard_files_are_refused(office, examples, name, content, message):
    response = office.post(reverse("standards:upload"), {"file": SimpleUploadedFile(name, content)})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert versions() == [1]


def test_a_gb18030_file_is_read(office, examples):
    preview = preview_url(upload(office, MONTH_V2.encode("gb18030")))
    assert office.get(preview).context["plan"].number == 2


def test_an_unchanged_file_says_so_and_stores_nothing(office, examples):
    response = upload(office, "# the same, with another comment\n" + MONTH_TEXT)
    assert response.status_code == 200
    assert "The file has the same content as version 1 of WMKS-M-2026; there is nothing to import." in (
        response.content.decode()
    )
    assert versions() == [1] and not office.session.get(SESSION_KEY)


def test_a_confirmation_after_someone_else_imported_is_refused_with_the_new_changes(scenario, office, examples):
    preview = preview_url(upload(office, MONTH_V2))
    c4 = "{code: C4, name: 抗生素使用不合理（每例）, points: 1}"
    other = MONTH_TEXT.replace(c4, "{code: C4, name: 抗生素, points: 1}")
    standard_import(text=other, by=scenario.head_ortho)  # someone else: version 2
    response = confirm(office, preview, base=1)
    assert response.status_code == 409
    assert versions() == [1, 2]  # no silent overwrite
    html = response.content.decode()
    assert "Nothing was imported: while you were checking, version 2 of WMKS-M-2026 was added by someone else." in html
    plan = response.context["plan"]
    assert plan.number == 3
    texts = [change.text for change in plan.changes]
    assert "deduction B2: points 2 → 3" in texts and "deduction C4: name “抗生素” → “抗生素使用不合理（每例）”" in texts
    assert 'name="base" value="2"' in html
    # having read the new changes, confirming again imports version 3
    assert confirm(office, preview, base=2).status_code == 302
    assert versions() == [1, 2, 3]


def test_confirming_twice_creates_one_version(office, examples):
    preview = preview_url(upload(office, MONTH_V2))
    assert confirm(office, preview, base=1).status_code == 302
    again = confirm(office, preview, base=1)
    assert again.status_code == 302
    assert again["Location"] == reverse("standards:detail", args=[MONTH]) + "?version=2"
    assert versions() == [1, 2]
    assert AuditEntry.objects.filter(action="standards.version.created", data__code=MONTH).count() == 2
    assert "has already been imported as version 2" in office.get(again["Location"]).content.decode()
    assert office.get(preview).status_code == 302  # the preview, too, says it is done


def test_the_text_stays_on_the_server_and_unknown_tokens_are_404(office, examples):
    preview = preview_url(upload(office, MONTH_V2))
    token = preview.rstrip("/").rsplit("/", 1)[-1]
    assert office.session[SESSION_KEY][token]["text"] == MONTH_V2
    assert office.get(reverse("standards:upload_preview", args=["nope"])).status_code == 404
    assert office.post(reverse("standards:upload_confirm", args=["nope"]), {"base": 1}).status_code == 404
    assert versions() == [1]


def test_another_session_cannot_confirm_an_upload(scenario, office, examples, client):
    from django.test import Client

    preview = preview_url(upload(office, MONTH_V2))
    sysadmin = Client()
    sysadmin.force_login(scenario.sysadmin)
    assert confirm(sysadmin, preview, base=1).status_code == 404
    assert versions() == [1]
