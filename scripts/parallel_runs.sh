#!/usr/bin/env bash
# Several runs of one recipe side by side, for a machine with many cores or a GPU:
#  - one run per gold article held out (a leave-one-article-out CV at the config's full budget;
#    early stopping off, so no run looks at its held-out article while training), and
#  - extra training seeds of the run that holds out the config's article (the generated data stays:
#    another data seed means another offline base, which runs side by side must not rebuild).
# A config with `members: N` (the offline one: 2) makes every run N members, one after another on a
# GPU; add members=1 to time single models. Every run also scores the real-news dev set. scripts/pool_runs.py then pools them into
# OUT_ROOT/report.md.
#
#   bash scripts/parallel_runs.sh OUT_ROOT [train.py key=value overrides...]
#   env: PYTHON (default .venv/bin/python), CONFIG (configs/offline.yaml), THREADS per run (2),
#        JOBS runs at once (default: cores / THREADS, at least 1; the rest wait their turn),
#        SEEDS extra seeds (default "1 2"; SEEDS= for none), LIMIT seconds per run (default none)
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -ge 1 ] || { echo "usage: bash scripts/parallel_runs.sh OUT_ROOT [key=value ...]" >&2; exit 2; }
out=$1; shift
PYTHON=${PYTHON:-.venv/bin/python}; CONFIG=${CONFIG:-configs/offline.yaml}
THREADS=${THREADS:-2}; SEEDS=${SEEDS-1 2}
JOBS=${JOBS:-$(( $(nproc) / THREADS > 0 ? $(nproc) / THREADS : 1 ))}
limit=(); [ -n "${LIMIT:-}" ] && limit=(timeout "$LIMIT")
mkdir -p "$out"
echo "$(( $(ls annotations/*.conll | wc -l) + $(wc -w <<<"$SEEDS") )) runs, $JOBS at a time, threads per run: $THREADS" >&2
export HF_HUB_OFFLINE=1 PYTHONUNBUFFERED=1

# the offline base once, before the runs start, so they never build it side by side
"$PYTHON" -c "import sys; from military_ner.config import load_config, parse_overrides; from military_ner.training import ensure_base
ensure_base(load_config(sys.argv[1], parse_overrides(sys.argv[2:])))" "$CONFIG" "$@"

pids=(); names=()
# launch NAME OVERRIDES...: waits while JOBS runs are going; polling reaps no run, so each exit
# status is still there for the wait below
launch() {
    local name=$1; shift
    while [ "$(jobs -rp | wc -l)" -ge "$JOBS" ]; do sleep 2; done
    "${limit[@]}" "$PYTHON" train.py --config "$CONFIG" --output-dir "$out/$name" \
        early_stopping_patience=0 threads="$THREADS" "$@" >"$out/$name.log" 2>&1 &
    pids+=($!); names+=("$name")
}
for conll in annotations/*.conll; do
    id=$(basename "$conll" .conll)
    launch "heldout-$id" "$@" "heldout=[$id]"
done
for s in $SEEDS; do
    launch "seed-$s" "$@" seed="$s"
done

failed=0; done_dirs=()
for i in "${!pids[@]}"; do
    if wait "${pids[$i]}"; then done_dirs+=("$out/${names[$i]}")
    else echo "run ${names[$i]} failed; last lines of $out/${names[$i]}.log:" >&2
         tail -5 "$out/${names[$i]}.log" >&2; failed=1; fi
done
[ ${#done_dirs[@]} -gt 0 ] && "$PYTHON" scripts/pool_runs.py --out "$out/report.md" \
    --command "bash scripts/parallel_runs.sh $out $*" "${done_dirs[@]}"
exit $failed
