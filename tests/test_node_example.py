"""The Node.js example (examples/node) gives the same words and spans as the Python runtime."""
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from military_ner.runtime import Recognizer
from military_ner.text import Preprocessing, model_words

NODE_DIR = Path(__file__).resolve().parent.parent / "examples" / "node"
EDGE_CASES = ["", "   ", "الفريقُ أولُ ركنٍ", "اللـــواء", "\u200fالعقيد\u200f، ١٦٦ ۱۱۱ 5.9 / 2024", "«درع الصحراء»",
              "وووووصل!!! ؟؟", "emoji 🚀 الفريق 😀 أول", "a\x1cb\x85c\u00a0d\ufeffe", "بالـ ٢٠٢٤م—تقريباً"]

pytestmark = [
    pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed: the Node.js example needs Node >= 18"),
    pytest.mark.skipif(not (NODE_DIR / "node_modules" / "onnxruntime-node").exists(),
                       reason="examples/node has no node_modules: run `cd examples/node && "
                              "ONNXRUNTIME_NODE_INSTALL=skip npm install`"),
]


def node(*args, docs):
    stdin = "".join(json.dumps(d, ensure_ascii=False) + "\n" for d in docs)
    r = subprocess.run(["node", str(NODE_DIR / "predict.mjs"), *args], input=stdin, capture_output=True,
                       text=True, timeout=120, cwd=NODE_DIR)
    assert r.returncode == 0, r.stderr
    return [json.loads(line) for line in r.stdout.splitlines()]


@pytest.mark.parametrize("settings", [{}, {"unify_alef": True, "unify_ya": True, "unify_ta_marbuta": True,
                                           "persian_digits": True}])
def test_the_js_port_of_text_gives_the_same_words_on_every_gold_document(gold, settings):
    docs = [{"id": d.id, "text": d.text} for d in gold] + [{"id": f"edge{i}", "text": t} for i, t in enumerate(EDGE_CASES)]
    got = node("--words", json.dumps(settings), docs=docs)
    pre = Preprocessing.from_dict(settings)
    for d, g in zip(docs, got):
        words, norm = model_words(d["text"], pre)
        assert g["words"] == [[w.start, w.end, n] for w, n in zip(words, norm)], d["id"]


def test_node_spans_equal_the_python_runtime_spans_on_the_gold(bundle, gold):
    py = Recognizer.load(bundle, "fp32").predict([d.text for d in gold])
    js = node(str(bundle), "--precision", "fp32", docs=[{"id": d.id, "text": d.text} for d in gold])
    assert sum(len(d["entities"]) for d in js) > 0
    for d, p, j in zip(gold, py, js):
        assert j["id"] == d.id
        assert [(e["start"], e["end"], e["label"], e["text"]) for e in j["entities"]] == \
            [(s.start, s.end, s.label, s.text) for s in p]
        assert [e["score"] for e in j["entities"]] == pytest.approx([s.score for s in p], abs=2e-4)


def test_the_js_port_of_the_tag_repairs_matches_python_on_random_tags(gold):
    """continue_fragments, line_breaks, punctuation_edges, same_name_same_span and one_introduction, as
    windows.decode applies them after the Viterbi,
    on random tag sequences over the gold texts and the edge cases (quotes, brackets, line breaks)."""
    import random

    from military_ner.text import split_words
    from military_ner.windows import (continue_fragments, line_breaks, one_introduction, punctuation_edges,
                                      same_name_same_span)
    rng = random.Random(11)
    texts = [d.text for d in gold] + EDGE_CASES + ["التمرين “فلنت لوك” 2026 ، و(أفريكوم) \"زايد 5\" «درع»\nالجيش",
                                                    "التمرين «واحة ومات» و«درع\nالخليج» (رماح الكرامة 3) أمس",
                                                    "جون برينان جون برينان دبليو جون برينان\nبرينان جون " * 3,
                                                    "الجيش الليبي الجيش الليبي الجيش الليبي الجديد 𝐀 الجيش 𝐁 " * 3,
                                                    "بالتمرين التعبوي المشترك ، وللمناورات البحريّة المشتركة الثاني "
                                                    "ال𝐀ي التمرين العسكري المصري 2025 مناورة الكبرى «درع» التمرين " * 3
                                                    + "\nأخبار ذات صلة\nالتمرين المشترك التعبوي\nالتمرين"]
    tags = ["O", "O", "O", "B-UNIT", "I-UNIT", "B-EXERCISE", "I-EXERCISE", "I-EXERCISE", "B-FOREIGN_ENVOY"]
    docs = [{"id": f"r{i}-{k}", "text": t, "tags": [rng.choice(tags) for _ in split_words(t)]}
            for i, t in enumerate(texts) for k in range(10)]
    got = node("--repair", docs=docs)
    introductions = 0
    for d, g in zip(docs, got):
        words = split_words(d["text"])
        fixed = line_breaks(d["text"], words, continue_fragments(d["text"], words, d["tags"]))
        fixed = same_name_same_span(d["text"], words, punctuation_edges(d["text"], words, fixed))
        assert g["tags"] == one_introduction(d["text"], words, fixed), d["id"]
        introductions += g["tags"] != fixed
    assert introductions >= 3  # the random tags do reach the last rule
