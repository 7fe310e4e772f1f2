"""Scoring predicted spans against gold spans with seqeval, and readable reports.

Gold and predictions are span documents over the same text; both are turned into BIO
tags over the words of `military_ner.text`, then scored by seqeval twice: strict mode
with the IOB2 scheme (an entity counts only with exact type and boundaries) and
seqeval's default (conlleval-style) mode. Per type P/R/F1/support, micro and macro.
This module scores and writes reports; it does not load models (callers pass a
`predict(texts) -> list[list[Span]]` function).
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Callable, Sequence

from seqeval.metrics import classification_report
from seqeval.scheme import IOB2, Entities

from .schema import TYPES, Document, Span, spans_to_tags
from .text import is_punct, is_space, split_words


def _tags(text: str, spans: Sequence[Span], lenient: bool) -> list[str]:
    words = split_words(text)
    if not lenient:
        return spans_to_tags(words, spans)
    tags = ["O"] * len(words)
    for s in spans:  # predictions from other tools: every word inside the span
        inside = [i for i, w in enumerate(words) if w.start >= s.start and w.end <= s.end]
        for k, i in enumerate(inside):
            tags[i] = ("B-" if k == 0 else "I-") + s.label
    return tags


def score(gold: Sequence[Document], predicted: dict[str, Sequence[Span]]) -> dict:
    """seqeval scores of `predicted` (doc id -> spans) against `gold`."""
    missing = [d.id for d in gold if d.id not in predicted]
    if missing:
        raise ValueError(f"no prediction for {len(missing)} gold document(s): {missing[:5]}")
    y_true = [_tags(d.text, d.entities, lenient=False) for d in gold]
    y_pred = [_tags(d.text, predicted[d.id], lenient=True) for d in gold]
    out = {"documents": len(gold), "gold_entities": sum(len(d.entities) for d in gold),
           "predicted_entities": sum(len(predicted[d.id]) for d in gold)}
    # entities as the scorer sees them (tags always open with B-), so runs can be pooled by counts
    n_pred = {t: sum(tag == f"B-{t}" for tags in y_pred for tag in tags) for t in TYPES}
    for mode, kw in (("strict", {"mode": "strict", "scheme": IOB2}), ("default", {})):
        rep = classification_report(y_true, y_pred, output_dict=True, zero_division=0, **kw)
        table = {}
        for key in list(TYPES) + ["micro avg", "macro avg"]:
            r = rep.get(key, {"precision": 0.0, "recall": 0.0, "f1-score": 0.0, "support": 0})
            table[key.replace(" avg", "")] = {"precision": round(float(r["precision"]), 4),
                                              "recall": round(float(r["recall"]), 4),
                                              "f1": round(float(r["f1-score"]), 4), "support": int(r["support"])}
        for t in TYPES:  # correct = recall x gold; the micro row sums them
            table[t]["correct"] = round(rep.get(t, {"recall": 0.0})["recall"] * table[t]["support"])
            table[t]["predicted"] = n_pred[t]
        table["micro"]["correct"] = sum(table[t]["correct"] for t in TYPES)
        table["micro"]["predicted"] = sum(n_pred.values())
        out[mode] = table
    out["per_document"] = {d.id: _strict_counts(t, p) for d, t, p in zip(gold, y_true, y_pred)}
    out["bootstrap"] = bootstrap_f1(out["per_document"])
    out["errors"] = error_breakdown(gold, predicted)
    return out


def _strict_counts(true_tags: list[str], pred_tags: list[str]) -> list[int]:
    """[correct, predicted, gold] entities of one document, as seqeval's strict IOB2 mode counts them."""
    true = {e.to_tuple() for e in Entities([true_tags], IOB2).entities[0]}
    pred = {e.to_tuple() for e in Entities([pred_tags], IOB2).entities[0]}
    return [len(true & pred), len(pred), len(true)]


def _micro_f1(counts) -> float:
    c, p, g = (sum(col) for col in zip(*counts)) if counts else (0, 0, 0)
    return 2 * c / (p + g) if p + g else 0.0


BOOTSTRAP_RESAMPLES = 2000


def bootstrap_f1(per_document: dict[str, list[int]], other: dict[str, list[int]] | None = None,
                 resamples: int = BOOTSTRAP_RESAMPLES, seed: int = 0) -> dict | None:
    """A 95% interval for strict micro F1 by resampling documents with replacement: how much
    the score could move on another set of articles like these. With `other` (the same
    documents scored for a second system), the interval of F1(per_document) - F1(other),
    each resample shared by both. None for fewer than 2 documents."""
    import random
    ids = sorted(per_document)
    if len(ids) < 2:
        return None
    rng = random.Random(seed)
    point = _micro_f1([per_document[i] for i in ids]) - (_micro_f1([other[i] for i in ids]) if other else 0.0)
    values = []
    for _ in range(resamples):
        pick = [rng.choice(ids) for _ in ids]
        v = _micro_f1([per_document[i] for i in pick])
        values.append(v - _micro_f1([other[i] for i in pick]) if other else v)
    values.sort()
    lo, hi = values[int(0.025 * resamples)], values[int(0.975 * resamples) - 1]
    return {"micro_f1": round(point, 4), "low": round(lo, 4), "high": round(hi, 4),
            "resamples": resamples, "documents": len(ids)}


def _overlap(a: Span, b: Span) -> bool:
    return a.start < b.end and b.start < a.end


ERROR_KINDS = ("exact", "boundary", "type", "missed", "spurious")


def error_breakdown(gold: Sequence[Document], predicted: dict[str, Sequence[Span]]) -> dict:
    """Counts per gold type of why strict matching failed, for reading a score, not for choosing.

    A gold span is `exact` (same type, same edges), `boundary` (overlapped by a prediction of
    its type with other edges), `type` (overlapped only by predictions of other types) or
    `missed` (nothing overlaps it). A prediction that overlaps no gold span is `spurious`,
    counted under its own type. Offsets are compared as they are (both sides come from the
    same text)."""
    out = {t: dict.fromkeys(ERROR_KINDS, 0) for t in TYPES}
    for d in gold:
        preds = list(predicted.get(d.id, ()))
        for g in d.entities:
            hits = [p for p in preds if _overlap(p, g)]
            if any(p.label == g.label and (p.start, p.end) == (g.start, g.end) for p in hits):
                kind = "exact"
            elif any(p.label == g.label for p in hits):
                kind = "boundary"
            else:
                kind = "type" if hits else "missed"
            out[g.label][kind] += 1
        for p in preds:
            if p.label in out and not any(_overlap(p, g) for g in d.entities):
                out[p.label]["spurious"] += 1
    return out


BOUNDARY_SHAPES = ("ends early", "ends late", "starts late", "starts early", "split", "other")


def boundary_shapes(gold: Sequence[Document], predicted: dict[str, Sequence[Span]]) -> dict:
    """For the `boundary` cases of `error_breakdown`, per gold type: how the prediction of the
    right type missed the edges. One prediction with the same start that ends early or late,
    one with the same end that starts late or early, `split` for two or more predictions
    inside one gold span, `other` for the rest (both edges off). Counts only."""
    out = {t: dict.fromkeys(BOUNDARY_SHAPES, 0) for t in TYPES}
    for d in gold:
        preds = list(predicted.get(d.id, ()))
        for g in d.entities:
            hits = [p for p in preds if p.label == g.label and _overlap(p, g)]
            if not hits or any((p.start, p.end) == (g.start, g.end) for p in hits):
                continue
            if len(hits) > 1:
                shape = "split"
            elif hits[0].start == g.start:
                shape = "ends early" if hits[0].end < g.end else "ends late"
            elif hits[0].end == g.end:
                shape = "starts late" if hits[0].start > g.start else "starts early"
            else:
                shape = "other"
            out[g.label][shape] += 1
    return out


SPURIOUS_SHAPES = ("after a rank", "beside a gold span", "gold text elsewhere", "other")


def spurious_shapes(gold: Sequence[Document], predicted: dict[str, Sequence[Span]]) -> dict:
    """For the `spurious` cases of `error_breakdown`, per predicted type: where the stray span
    sits. `after a rank`: a gold rank ends just before it (a named officer taken for an envoy);
    `beside a gold span`: another gold span touches it; `gold text elsewhere`: the same words are
    a gold span elsewhere in the document (a later mention taken for a first one); `other`.
    The first that applies; only what `text` counts as space or punctuation may lie between
    touching spans.
    Counts only."""
    out = {t: dict.fromkeys(SPURIOUS_SHAPES, 0) for t in TYPES}
    for d in gold:
        touch = lambda a, b: b >= a and all(is_space(c) or is_punct(c) for c in d.text[a:b])  # noqa: E731
        for p in predicted.get(d.id, ()):
            if p.label not in out or any(_overlap(p, g) for g in d.entities):
                continue
            if any(g.label == "MILITARY_RANK" and touch(g.end, p.start) for g in d.entities):
                shape = "after a rank"
            elif any(touch(g.end, p.start) or touch(p.end, g.start) for g in d.entities):
                shape = "beside a gold span"
            elif any(d.text[g.start:g.end] == d.text[p.start:p.end] for g in d.entities):
                shape = "gold text elsewhere"
            else:
                shape = "other"
            out[p.label][shape] += 1
    return out


def errors_md(errors: dict, first: str = "gold type") -> str:
    kinds = list(next(iter(errors.values())))  # ERROR_KINDS, BOUNDARY_SHAPES or SPURIOUS_SHAPES
    rows = [f"| {first} | " + " | ".join(kinds) + " |", "| --- |" + " ---: |" * len(kinds)]
    for t, counts in errors.items():
        rows.append(f"| {t} | " + " | ".join(str(counts[k]) for k in kinds) + " |")
    return "\n".join(rows)


def evaluate(predict: Callable[[list[str]], list[list[Span]]], gold: Sequence[Document]) -> tuple[dict, dict]:
    """Run `predict` over the gold texts and score it. Returns (metrics, predictions)."""
    preds = predict([d.text for d in gold])
    predicted = {d.id: p for d, p in zip(gold, preds)}
    return score(gold, predicted), predicted


def table_md(metrics: dict, mode: str = "strict") -> str:
    rows = ["| type | precision | recall | F1 | support |", "| --- | ---: | ---: | ---: | ---: |"]
    for key, r in metrics[mode].items():
        rows.append(f"| {key} | {r['precision']:.3f} | {r['recall']:.3f} | {r['f1']:.3f} | {r['support']} |")
    return "\n".join(rows)


def summary_line(metrics: dict) -> str:
    s = metrics["strict"]
    per_type = ", ".join(f"{t} {s[t]['f1']:.3f}" for t in TYPES)
    return f"strict micro F1 {s['micro']['f1']:.3f} (macro {s['macro']['f1']:.3f}; {per_type})"


def write_json(path: Path, obj) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj, indent=2, ensure_ascii=False), encoding="utf-8")


def _section(title: str, metrics: dict | None, note: str = "") -> list[str]:
    if not metrics:
        return []
    return [f"## {title}", "", note, "", f"{metrics['documents']} documents, {metrics['gold_entities']} gold entities, "
            f"{metrics['predicted_entities']} predicted. seqeval strict (IOB2):", "", table_md(metrics, "strict"), "",
            "seqeval default mode:", "", table_md(metrics, "default"), ""] + (
            [interval_line(metrics["bootstrap"]), ""] if metrics.get("bootstrap") else []) + (
            ["Where strict matching failed (`evaluation.error_breakdown`; spurious = a prediction overlapping "
             "no gold span, under the predicted type):", "", errors_md(metrics["errors"]), ""]
            if metrics.get("errors") else [])


def interval_line(b: dict, what: str = "Strict micro F1", signed: bool = False) -> str:
    f = "+.3f" if signed else ".3f"
    return (f"{what} {b['micro_f1']:{f}}, 95% interval {b['low']:{f}} to {b['high']:{f}} over {b['resamples']} "
            f"resamples of the {b['documents']} documents (`evaluation.bootstrap_f1`).")


def write_run_report(out_dir: Path, metrics: dict, command: str, config: dict, cv: dict | None = None) -> None:
    """metrics.json, report.md and the model card README.md of a run directory."""
    write_json(out_dir / "metrics.json", {**metrics, "command": command, "cv": cv and cv.get("pooled")})
    lines = [f"# Training report: {out_dir.name}", "", "Produced by:", "", f"    {command}", ""]
    tr = metrics.get("training", {})
    lines += [f"Model `{config['model']}`, {tr.get('steps')} steps in {tr.get('train_seconds')} s, "
              f"{tr.get('train_windows')} training windows.", ""]
    if tr.get("members"):
        lines[-1:] = [f"An ensemble of {len(tr['members'])} members (seeds "
                      f"{', '.join(str(m['seed']) for m in tr['members'])}; `members/`), {tr['members'][0]['steps']} "
                      f"steps each, {tr['train_seconds']} s in all: every prediction is the mean of their "
                      "probabilities (military_ner/ensemble.py).", ""]
    if metrics.get("heldout_ids"):
        lines += _section("Held-out gold articles", metrics.get("heldout_gold"),
                          f"Articles {', '.join(metrics['heldout_ids'])}: not trained on" + (
                              "; they also chose the early-stopping point, so this score is optimistic. "
                              "Cross-validation is the honest one." if config.get("early_stopping_patience")
                              else ", nor used to choose when to stop."))
    else:
        lines += ["## Held-out gold articles", "", "None: this is a deployment model trained on all gold articles "
                  "(scores on them would be training scores and are not reported).", ""]
    if cv:
        lines += _section("Leave-one-article-out cross-validation (pooled)", cv["pooled"],
                          "Same config, one fold per gold article, no early stopping on the test article.")
    lines += _section("Real-news dev set (../shared/dev, evaluation only)", metrics.get("real_dev"),
                      "15 articles from 14 countries and other outlets; never trained or tuned on.")
    if metrics.get("baseline_real_dev"):
        lines += _section("Gazetteer baseline on the real-news dev set", metrics["baseline_real_dev"],
                          "Rules and gazetteers only, same scorer.")
        diff = bootstrap_f1(metrics["real_dev"].get("per_document", {}),
                            metrics["baseline_real_dev"].get("per_document", {})) if metrics.get("real_dev") else None
        if diff:
            lines += [interval_line(diff, "Model minus baseline, strict micro F1:", signed=True), ""]
    (out_dir / "report.md").write_text("\n".join(lines), encoding="utf-8")
    card = ["---", "language: ar", "library_name: transformers", "pipeline_tag: token-classification",
            "tags: [ner, arabic, military, military-ner]", "---", "",
            f"# military-ner: {out_dir.name}", "",
            "Token classification of military entities in Arabic news: MILITARY_RANK, UNIT, EXERCISE, "
            "FOREIGN_ENVOY (BIO tags, labels in config.json).", "",
            "## Data", "", f"Gold: hand-annotated seed articles ({'all' if config.get('all_gold') else 'all but ' + ', '.join(config.get('heldout', []))}), "
            f"repeated x{config.get('gold_repeat')}; {config.get('generated_docs')} generated articles; "
            f"{config.get('augment_copies')} augmented copies per gold article.", "",
            "## Use", "", "Words and normalization come from `military_ner.text` (settings in preprocessing.json); "
            "labels sit on each word's first sub-word. `military-ner predict --model THIS_DIR` or "
            "`military_ner.modeling.TorchRecognizer.load(THIS_DIR)`.", "",
            "## Scores", ""]
    for key, name in (("heldout_gold", "held-out gold"), ("real_dev", "real-news dev set")):
        if metrics.get(key):
            card.append(f"- {name}: {summary_line(metrics[key])}")
    if cv:
        card.append(f"- leave-one-article-out CV: {summary_line(cv['pooled'])}")
    card += ["", "## Config", "", "```yaml", json.dumps(config, indent=2, ensure_ascii=False), "```", ""]
    (out_dir / "README.md").write_text("\n".join(card), encoding="utf-8")
