"""The HTTP service: entities in the span format, limits, auth, and quiet logs."""
import logging

import pytest
from fastapi.testclient import TestClient

from military_ner.serve import create_app

TEXT = "استقبل رئيس أركان الجيش الليبي، الفريق صلاح الدين النمروش، نائب قائد القيادة العسكرية الأميركية في إفريقيا (أفريكوم)."


@pytest.fixture(scope="module")
def client(tiny_run):
    with TestClient(create_app(str(tiny_run), max_chars=2000, max_documents=3, api_key="")) as c:
        yield c


def test_health_and_model_info(client):
    assert client.get("/health").json() == {"status": "ok"}
    info = client.get("/v1/model").json()
    assert "B-UNIT" in info["labels"] and info["aggregation"] == "first" and "preprocessing" in info


def test_text_gives_entities_with_offsets_into_the_text(client):
    r = client.post("/v1/entities", json={"text": TEXT})
    assert r.status_code == 200
    ents = r.json()["entities"]
    assert ents, "the overfitted tiny model should find entities in seed wording"
    for e in ents:
        assert TEXT[e["start"]:e["end"]] == e["text"] and 0 <= e["score"] <= 1
        assert e["label"] in {"MILITARY_RANK", "UNIT", "EXERCISE", "FOREIGN_ENVOY"}


def test_documents_are_answered_in_order_with_their_ids(client):
    docs = [{"id": "a", "text": TEXT}, {"id": "b", "text": ""}, {"id": "c", "text": "hello world 123"}]
    r = client.post("/v1/entities", json={"documents": docs})
    assert r.status_code == 200
    out = r.json()["documents"]
    assert [d["id"] for d in out] == ["a", "b", "c"]
    assert out[1]["entities"] == []


@pytest.mark.parametrize("body,status,needle", [
    ({"text": "x", "documents": []}, 422, "exactly one"),
    ({}, 422, "exactly one"),
    ({"text": 5}, 422, "string"),
    ({"documents": [{"id": str(i), "text": "نص"} for i in range(4)]}, 413, "limit is 3"),
    ({"text": "ا" * 2001}, 413, "limit is 2000"),
])
def test_bad_requests_get_clear_answers(client, body, status, needle):
    r = client.post("/v1/entities", json=body)
    assert r.status_code == status
    assert needle in r.text


def test_malformed_json_is_422(client):
    r = client.post("/v1/entities", content=b"{not json", headers={"Content-Type": "application/json"})
    assert r.status_code == 422


def test_api_key_guards_everything_but_health(tiny_run):
    with TestClient(create_app(str(tiny_run), api_key="s3cret")) as c:
        assert c.get("/health").status_code == 200
        for method, path in (("get", "/v1/model"), ("get", "/"), ("post", "/v1/entities")):
            assert getattr(c, method)(path, **({"json": {"text": "x"}} if method == "post" else {})).status_code == 401
        assert c.post("/v1/entities", json={"text": "x"}, headers={"Authorization": "Bearer wrong"}).status_code == 401
        ok = c.post("/v1/entities", json={"text": "x"}, headers={"Authorization": "Bearer s3cret"})
        assert ok.status_code == 200


def test_api_key_comes_from_the_environment(tiny_run, monkeypatch):
    monkeypatch.setenv("MILITARY_NER_API_KEY", "from-env")
    with TestClient(create_app(str(tiny_run))) as c:
        assert c.get("/v1/model").status_code == 401
        assert c.get("/v1/model", headers={"Authorization": "Bearer from-env"}).status_code == 200


def test_request_texts_are_not_logged(client, caplog):
    secret = "الفريق سري للغاية"
    with caplog.at_level(logging.DEBUG):
        client.post("/v1/entities", json={"text": secret})
    assert caplog.records and secret not in caplog.text


def test_viewer_page_is_rtl_arabic(client):
    page = client.get("/").text
    assert 'dir="rtl"' in page and "Arabic" in page and "FOREIGN_ENVOY" in page
