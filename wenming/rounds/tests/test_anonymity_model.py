"""The anonymity the tables guarantee: one ballot per rater and ratee is a constraint; a score
carries nothing that links it to a rater, a ballot or a moment; nothing but the sealed export
decrypts a seal; the Django admin never shows it."""

from __future__ import annotations

import uuid

import pytest
from django.contrib import admin
from django.db import IntegrityError, models, transaction

from wenming.org.models import Staff
from wenming.rounds import sealing
from wenming.rounds.models import Ballot, Round, Score


def test_a_second_ballot_for_the_same_pair_is_refused_by_the_database(world, make_round):
    round = make_round()
    ballot = Ballot.objects.filter(round=round).first()
    with pytest.raises(IntegrityError), transaction.atomic():
        Ballot.objects.create(round=round, rater=ballot.rater, ratee=ballot.ratee, group="peer")
    assert any(
        isinstance(c, models.UniqueConstraint) and set(c.fields) == {"round", "rater", "ratee"}
        for c in Ballot._meta.constraints
    )


def test_score_has_no_link_to_rater_ballot_or_time():
    fields = {f.name: f for f in Score._meta.get_fields()}
    assert set(fields) == {"id", "round", "ratee", "group", "value"}
    assert isinstance(Score._meta.pk, models.UUIDField)
    assert Score._meta.pk.default is uuid.uuid4
    relations = {f.name: f.related_model for f in Score._meta.get_fields() if f.is_relation}
    assert relations == {"round": Round, "ratee": Staff}
    assert not any(isinstance(f, models.DateField | models.DateTimeField | models.TimeField) for f in fields.values())
    assert not any(f.related_model is Ballot for f in fields.values() if f.is_relation)
    assert not Score._meta.ordering
    # And no table points at a score.
    assert not [f for f in Score._meta.get_fields() if f.auto_created and not f.concrete]


def test_seal_round_trip_and_key(settings):
    settings.WENMING_BALLOT_KEY = ""
    token = sealing.seal(77)
    # Encrypted, not encoded: two seals of one score differ, and only the key opens them.
    assert sealing.seal(77) != token
    assert sealing.unseal(token) == 77
    settings.SECRET_KEY = "another-secret-key-for-the-test-000000000000000000"
    assert sealing.unseal(token) is None  # a different key cannot read it
    from cryptography.fernet import Fernet

    settings.WENMING_BALLOT_KEY = Fernet.generate_key().decode()
    assert sealing.unseal(sealing.seal(5)) == 5


def test_admin_never_shows_the_seal(rf, scenario):
    ballot_admin = admin.site._registry.get(Ballot)
    assert ballot_admin is not None
    request = rf.get("/")
    request.user = scenario.sysadmin
    assert "sealed" not in ballot_admin.get_fields(request)
    assert Score not in admin.site._registry
