#!/usr/bin/env bash
# Create .venv and install the project with its test and Ray extras (CPU torch 2.13.0, pinned).
# Idempotent: a second run only checks what is already there.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e ".[dev,distributed]"
# The Node consumer of the ONNX bundle (examples/node): packages from npm only; onnxruntime-node's
# install script would fetch GPU binaries from outside npm, so it is skipped (the CPU build ships in the package).
if command -v npm >/dev/null 2>&1; then
  (cd examples/node && ONNXRUNTIME_NODE_INSTALL=skip npm install --no-audit --no-fund --loglevel=error >/dev/null)
fi
echo "installed military-ner into $(pwd)/.venv ($(.venv/bin/python -c 'import torch, transformers; print("torch", torch.__version__, "transformers", transformers.__version__)'))"
