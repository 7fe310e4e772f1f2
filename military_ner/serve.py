"""The HTTP service: entities over HTTP and a viewer page, for an exported bundle (ONNX,
no torch) or a training run directory.

    military-ner serve --model BUNDLE [--host 127.0.0.1] [--port 8000]

- `POST /v1/entities` with `{"text": ...}` -> `{"entities": [...]}`, or with
  `{"documents": [{"id", "text"}, ...]}` -> `{"documents": [{"id", "entities"}]}`; entities
  in the span format of `predict` (start, end, label, text, score).
- `GET /health` (never needs a key), `GET /v1/model`, `GET /` (the viewer page), `/docs`.
- The model is loaded once, in the app's lifespan, never at import. Inference is CPU-bound,
  so the endpoint is a plain `def` (run in the thread pool) and `/health` stays responsive.
- Limits: characters per document and documents per request (413 when exceeded; 422 for
  malformed requests, with the reason).
- Access control: when the environment variable MILITARY_NER_API_KEY is set, every endpoint
  but `/health` answers 401 without `Authorization: Bearer <key>` (compared in constant
  time). Request texts are never logged; only counts and timings.
"""
from __future__ import annotations

import hmac
import logging
import os
import threading
import time
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field, model_validator

log = logging.getLogger("military_ner.serve")
API_KEY_ENV = "MILITARY_NER_API_KEY"
VIEWER = Path(__file__).with_name("viewer.html")


class DocumentIn(BaseModel):
    id: str = Field(description="caller's id, echoed back")
    text: str


class EntitiesRequest(BaseModel):
    text: str | None = Field(None, description="one text")
    documents: list[DocumentIn] | None = Field(None, description="or several documents")

    @model_validator(mode="after")
    def one_of(self):
        if (self.text is None) == (self.documents is None):
            raise ValueError('send exactly one of "text" or "documents"')
        return self


class Entity(BaseModel):
    start: int
    end: int
    label: str
    text: str
    score: float | None = None


class DocumentOut(BaseModel):
    id: str
    entities: list[Entity]


class EntitiesResponse(BaseModel):
    entities: list[Entity] | None = None
    documents: list[DocumentOut] | None = None


def create_app(model_path: str, max_chars: int = 100_000, max_documents: int = 64,
               api_key: str | None = None, loader=None) -> FastAPI:
    """The ASGI app. `loader(path)` returns an object with `predict(texts)` (default: the
    bundle/run-directory loader of the CLI); the API key defaults to $MILITARY_NER_API_KEY."""
    key = (api_key if api_key is not None else os.environ.get(API_KEY_ENV)) or None
    state: dict = {}
    lock = threading.Lock()  # one inference at a time: the model already uses every core

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        from .cli import load_recognizer
        t0 = time.time()
        state["model"] = (loader or load_recognizer)(model_path)
        state["info"] = model_info(state["model"], model_path)
        log.info("model %s loaded in %.1f s", model_path, time.time() - t0)
        yield
        state.clear()

    def authorized(request: Request) -> None:
        if key is None:
            return
        given = request.headers.get("authorization", "")
        scheme, _, token = given.partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(token.encode(), key.encode()):
            raise HTTPException(401, "missing or wrong API key: send 'Authorization: Bearer <key>'",
                                headers={"WWW-Authenticate": "Bearer"})

    app = FastAPI(title="military-ner", lifespan=lifespan,
                  description="Military entities (ranks, units, exercises, foreign envoys) in Arabic news.")

    @app.get("/health")
    def health():
        return {"status": "ok" if "model" in state else "loading"}

    @app.get("/v1/model", dependencies=[Depends(authorized)])
    def model():
        return state["info"]

    @app.post("/v1/entities", response_model=EntitiesResponse, response_model_exclude_none=True,
              dependencies=[Depends(authorized)])
    def entities(req: EntitiesRequest):
        docs = [DocumentIn(id="text", text=req.text)] if req.text is not None else req.documents
        if len(docs) > max_documents:
            raise HTTPException(413, f"{len(docs)} documents in one request; the limit is {max_documents}: "
                                     "split the batch")
        for d in docs:
            if len(d.text) > max_chars:
                raise HTTPException(413, f"document {d.id!r} has {len(d.text)} characters; the limit is "
                                         f"{max_chars}: split it")
        t0 = time.time()
        with lock:
            spans = state["model"].predict([d.text for d in docs])
        log.info("tagged %d documents (%d chars) in %.0f ms", len(docs), sum(len(d.text) for d in docs),
                 1000 * (time.time() - t0))
        out = [DocumentOut(id=d.id, entities=[Entity(**s.to_dict()) for s in ss]) for d, ss in zip(docs, spans)]
        return EntitiesResponse(entities=out[0].entities) if req.text is not None else EntitiesResponse(documents=out)

    @app.get("/", response_class=HTMLResponse, dependencies=[Depends(authorized)])
    def viewer():
        return VIEWER.read_text(encoding="utf-8")

    return app


def model_info(model, path: str) -> dict:
    info = getattr(model, "info", None)
    info = dict(info() if callable(info) else info or {})
    info.setdefault("model", str(path))
    return info


def serve(model_path: str, host: str = "127.0.0.1", port: int = 8000, **kw) -> None:
    import uvicorn
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    uvicorn.run(create_app(model_path, **kw), host=host, port=port, log_level="info")
