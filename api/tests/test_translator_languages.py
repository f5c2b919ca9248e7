"""Translators' language pairs: the queue offers each translator the open requests in their
pairs (and those whose source language was not said); a translator without pairs sees all."""

from __future__ import annotations

import pytest

from eventstore.store import read_stream
from translations.profile import profile_stream

pytestmark = pytest.mark.django_db


def ids(api) -> set[str]:
    return {r["id"] for r in api.get("/api/translation-requests/").json()["results"]}


def test_the_queue_offers_the_requests_in_the_translators_pairs(embedded, users):
    carla = embedded(users.customer)
    tina, tom = embedded(users.translator), embedded(users.other_translator)

    def request(language: str, target: str, name: str) -> str:
        document = carla.upload(name=name, content=name.encode(), language=language).json()
        assert document["language"] == language
        return carla.submit(document["id"], target_language=target).json()["id"]

    english_to_french = request("en", "fr", "a.txt")
    german_to_french = request("de", "fr", "b.txt")
    english_to_italian = request("en", "it", "c.txt")
    unsaid_to_french = request("", "fr", "d.txt")

    saved = tina.client.put(
        "/api/translator/languages/", {"sources": ["en"], "targets": ["fr", "en"]}, format="json"
    )

    assert saved.status_code == 200, saved.content
    assert saved.json() == {"pairs": [{"source": "en", "target": "fr"}]}  # no en → en
    assert ids(tina) == {english_to_french, unsaid_to_french}
    assert ids(tom) == {english_to_french, german_to_french, english_to_italian, unsaid_to_french}
    assert tina.act(german_to_french, "accept").status_code == 404
    (recorded,) = read_stream(profile_stream(users.translator.pk))
    assert recorded.event_type == "translations.LanguagePairsSet"

    tina.client.put("/api/translator/languages/", {"sources": [], "targets": []}, format="json")
    assert len(ids(tina)) == 4  # no pairs: offered everything again
    assert tina.get("/api/translator/languages/").json() == {"pairs": []}


def test_only_translators_have_languages_and_codes_are_checked(embedded, users):
    carla, tina = embedded(users.customer), embedded(users.translator)

    unknown = tina.client.put(
        "/api/translator/languages/", {"sources": ["xx"], "targets": ["fr"]}, format="json"
    )
    by_customer = carla.get("/api/translator/languages/")
    bad_document = carla.upload(language="klingon")

    assert unknown.status_code == 400
    assert unknown.json() == {"sources": {"0": ['"xx" is not a valid choice.']}}
    assert by_customer.status_code == 403
    assert bad_document.status_code == 400 and "language" in bad_document.json()


def test_a_translator_chooses_languages_on_a_page(client, users):
    client.force_login(users.translator)

    page = client.get("/translator/languages/")
    saved = client.post("/translator/languages/", {"sources": ["en", "de"], "targets": ["fr"]})
    again = client.get("/translator/languages/")

    assert b"Until you choose, you are offered every open request." in page.content
    assert saved.status_code == 302
    assert "de → fr".encode() in again.content and "en → fr".encode() in again.content
    client.force_login(users.customer)
    assert client.get("/translator/languages/").status_code == 403


def test_more_pairs_than_a_profile_holds_is_a_400(embedded, users):
    tina = embedded(users.translator)
    codes = ["en", "de", "fr", "it", "es", "pt", "nl", "sv", "da", "fi", "pl", "cs", "sk",
             "hu", "ro", "bg", "el", "tr", "ru", "uk", "ja"]  # fmt: skip

    many = tina.client.put(
        "/api/translator/languages/", {"sources": codes, "targets": codes}, format="json"
    )

    assert many.status_code == 400
    assert many.json() == {"targets": ["at most 400 pairs; you chose 420"]}
