from datetime import date

import pytest
from django.urls import reverse

from wenming.comments.models import LexiconEntry
from wenming.core.models import AuditEntry

ANALYSIS = reverse("comments:analysis")
LIST = reverse("comments:list")
LEXICON = reverse("comments:lexicon")
NOV = "start=2026-11-01&end=2026-11-30"


@pytest.fixture
def comments(scenario, comment):
    comment("护士态度很好，谢谢")
    comment("排队太久了", department=scenario.ward, overall=2)
    comment("骨科收费太贵", department=scenario.ortho, overall=2)
    comment("<script>alert('x')</script> 态度差", overall=1)


# --- Who sees what ----------------------------------------------------------------------------------


def test_anonymous_goes_to_login(db, client):
    for url in (ANALYSIS, LIST, LEXICON):
        response = client.get(url)
        assert response.status_code == 302 and "/login/" in response["Location"]


@pytest.mark.parametrize("who", ["employee", "leader", "inspector"])
def test_people_without_access_get_403(scenario, client_for, who):
    client = client_for(getattr(scenario, who))
    entry = LexiconEntry.objects.first()
    for url in (ANALYSIS, LIST, LEXICON, reverse("comments:lexicon_edit", args=[entry.pk])):
        assert client.get(url).status_code == 403
    assert client.post(reverse("comments:lexicon_active", args=[entry.pk]), {"active": "0"}).status_code == 403
    assert LexiconEntry.objects.get(pk=entry.pk).active


def test_the_office_sees_the_whole_hospital(scenario, client_for, comments):
    body = client_for(scenario.office).get(f"{ANALYSIS}?{NOV}").content.decode()
    assert 'data-testid="topic-table"' in body and 'data-testid="lexicon-link"' in body
    assert '<span data-testid="sentiment-negative-n">3</span>' in body
    assert "收费" in body and 'data-testid="cloud-word"' in body
    body = client_for(scenario.office).get(f"{ANALYSIS}?{NOV}&department=D02").content.decode()
    assert '<span data-testid="sentiment-negative-n">1</span>' in body


def test_a_head_sees_their_departments_only(scenario, client_for, comments):
    client = client_for(scenario.head_cardio)
    body = client.get(f"{ANALYSIS}?{NOV}").content.decode()
    assert '<span data-testid="sentiment-negative-n">2</span>' in body  # not 骨科's
    assert "太贵" not in body and 'data-testid="lexicon-link"' not in body
    assert client.get(f"{ANALYSIS}?{NOV}&department=D0101").status_code == 200
    assert client.get(f"{ANALYSIS}?{NOV}&department=D02").status_code == 404
    assert client.get(f"{LIST}?{NOV}&department=D02&topic=收费").status_code == 404
    listed = client.get(f"{LIST}?{NOV}&topic=收费").content.decode()
    assert "骨科收费太贵" not in listed
    assert client.get(LEXICON).status_code == 403
    entry = LexiconEntry.objects.get(word="红包", category="topic")
    assert client.get(reverse("comments:lexicon_edit", args=[entry.pk])).status_code == 403
    assert client.post(reverse("comments:lexicon_active", args=[entry.pk]), {"active": "0"}).status_code == 403
    assert client.post(LEXICON, {"add-word": "号源", "add-category": "stop"}).status_code == 403
    assert LexiconEntry.objects.get(pk=entry.pk).active and not LexiconEntry.objects.filter(word="号源").exists()


def test_clicking_a_topic_lists_its_comments_escaped(scenario, client_for, comments):
    client = client_for(scenario.office)
    body = client.get(f"{LIST}?{NOV}&topic=服务态度", HTTP_HX_REQUEST="true").content.decode()
    assert body.count('data-testid="comment-row"') == 2 and "<!doctype" not in body
    assert "<script>alert" not in body and "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in body
    assert "<mark>态度</mark>" in body
    full = client.get(f"{LIST}?{NOV}&topic=服务态度&sentiment=negative").content.decode()
    assert full.count('data-testid="comment-row"') == 1 and "<!doctype" in full
    on_page = client.get(f"{ANALYSIS}?{NOV}&topic=等候时间").content.decode()
    assert 'data-testid="comment-list"' in on_page and "<mark>排队</mark>太久了" in on_page


def test_the_word_cloud_and_chart_data_are_escaped(scenario, client_for, comments):
    body = client_for(scenario.office).get(f"{ANALYSIS}?{NOV}").content.decode()
    assert "<script>alert" not in body
    assert 'id="wm-topic-trend" type="application/json"' in body


def test_a_bad_date_range_falls_back_to_six_months(scenario, client_for):
    response = client_for(scenario.office).get(f"{ANALYSIS}?start=2026-11-30&end=2026-11-01")
    assert response.status_code == 200 and 'data-testid="filter-errors"' in response.content.decode()


@pytest.mark.parametrize("n", [3, 40])
def test_query_counts_do_not_grow_with_the_comments(scenario, client_for, comment, n, django_assert_max_num_queries):
    for i in range(n):
        comment(f"第{i}位患者：护士态度很好", day=date(2026, 11, 1 + i % 28))
    client = client_for(scenario.office)
    client.get(ANALYSIS)
    with django_assert_max_num_queries(13):
        assert client.get(f"{ANALYSIS}?{NOV}").status_code == 200
    with django_assert_max_num_queries(13):
        assert client.get(f"{LIST}?{NOV}&topic=服务态度").status_code == 200


# --- The lexicon ------------------------------------------------------------------------------------


def test_the_office_adds_a_word_and_the_analysis_changes(scenario, client_for, comment):
    comment("专家号太难挂了")
    client = client_for(scenario.office)
    assert "挂号" not in client.get(f"{ANALYSIS}?{NOV}").content.decode()
    response = client.post(LEXICON, {"add-word": "专家号", "add-category": "topic", "add-topic": "挂号"})
    assert response.status_code == 302
    assert AuditEntry.objects.filter(action="comments.lexicon.added").count() == 1
    body = client.get(f"{ANALYSIS}?{NOV}").content.decode()
    assert 'data-testid="topic-link">挂号</a>' in body


def test_a_duplicate_word_is_refused_on_the_form(scenario, client_for):
    response = client_for(scenario.office).post(
        LEXICON, {"add-word": "红包", "add-category": "topic", "add-topic": "红包"}
    )
    assert response.status_code == 400 and "红包" in response.content.decode()
    assert LexiconEntry.objects.filter(word="红包", category="topic").count() == 1


def test_editing_a_word_with_a_stale_form_is_refused(scenario, client_for):
    entry = LexiconEntry.objects.get(word="排队", category="topic")
    client = client_for(scenario.office)
    url = reverse("comments:lexicon_edit", args=[entry.pk])
    assert client.get(url).status_code == 200
    data = {"word": "排长队", "category": "topic", "topic": "等候时间", "version": "1"}
    assert client.post(url, data).status_code == 302
    response = client.post(url, {**data, "word": "排大队"})
    assert response.status_code == 409 and 'data-testid="conflict"' in response.content.decode()
    assert LexiconEntry.objects.get(pk=entry.pk).word == "排长队"
    assert client.get(reverse("comments:lexicon_edit", args=[999_999])).status_code == 404


def test_turning_a_word_off_and_on(scenario, client_for):
    entry = LexiconEntry.objects.get(word="红包", category="topic")
    client = client_for(scenario.office)
    url = reverse("comments:lexicon_active", args=[entry.pk])
    response = client.post(url, {"active": "0", "next": f"{LEXICON}?category=topic"})
    assert response.status_code == 302 and response["Location"] == f"{LEXICON}?category=topic"
    assert not LexiconEntry.objects.get(pk=entry.pk).active
    response = client.post(url, {"active": "1", "next": "https://evil.example/"})
    assert response["Location"] == LEXICON and LexiconEntry.objects.get(pk=entry.pk).active


def test_trying_a_comment_on_the_lexicon(scenario, client_for):
    body = client_for(scenario.office).get(f"{LEXICON}?try=排队太久，护士态度也不耐烦").content.decode()
    assert 'data-testid="try-topics">服务态度、等候时间</dd>' in body


def test_lexicon_filter_and_query_count(scenario, client_for, django_assert_max_num_queries):
    client = client_for(scenario.office)
    client.get(LEXICON)
    with django_assert_max_num_queries(13):
        body = client.get(f"{LEXICON}?category=stop").content.decode()
    assert 'fw-semibold">我们' in body and 'fw-semibold">红包' not in body
