"""Run `military-ner ...` or a scoring script with FOREIGN_ENVOY spans scoring under T dropped.

    python scripts/envoy_threshold.py 0.6 -- cli evaluate --model M --gold G.jsonl [--out F]
    python scripts/envoy_threshold.py 0.6 -- scripts/out_of_template.py --model M --out DIR

Wraps the recognizer that `military_ner.predict.load_model` hands out (the CLI loads through it), so
the scorers run unchanged; the other types are untouched. Used for eval/offline/envoy-threshold/.
"""
import runpy
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import military_ner.cli as cli  # noqa: E402
import military_ner.predict as predict  # noqa: E402


class EnvoyThreshold:
    """A recognizer whose envoy spans under `threshold` are dropped."""

    def __init__(self, rec, threshold: float):
        self.rec, self.threshold = rec, threshold

    def predict(self, texts):
        return [[s for s in spans if not (s.label == "FOREIGN_ENVOY" and s.score is not None and s.score < self.threshold)]
                for spans in self.rec.predict(texts)]

    def __getattr__(self, name):
        return getattr(self.rec, name)


def main() -> int:
    if len(sys.argv) < 4 or sys.argv[2] != "--":
        sys.exit(__doc__)
    threshold, command = float(sys.argv[1]), sys.argv[3:]
    load_model = predict.load_model

    def thresholded_model(*a, **k):
        rec, what = load_model(*a, **k)
        return EnvoyThreshold(rec, threshold), f"{what}, envoy spans under {threshold} dropped"

    predict.load_model = thresholded_model
    if command[0] == "cli":
        return cli.main(command[1:])
    sys.argv = command
    runpy.run_path(command[0], run_name="__main__")
    return 0


if __name__ == "__main__":
    sys.exit(main())
