#!/usr/bin/env bash
# The GPU machine's entry point for benchmarks/gpu_suite.py (its docstring has the whole story).
#
#   bash benchmarks/gpu_suite.sh --budget 420          # the device call; carry [".whl"], timeout_s 480
#   PYTHON=.venv/bin/python bash benchmarks/gpu_suite.sh --dry-run --budget 600   # on a CPU, tiny sizes
#
# 1. installs the wheels carried in .whl/ (keras, namex, optree: benchmarks/fetch_gpu_wheels.sh)
#    into /tmp/site, as the device notes say, when there are any;
# 2. runs the suite, writing into benchmarks/results/, its log tee'd to /tmp/gpu_suite.log;
# 3. where $OUT is set (the device machine's folder that comes back), packs every file the
#    run wrote into $OUT/gpu_results.tar.gz and copies the log and the markdown report beside it.
set -uo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}                   # the device machine's python3 holds PyTorch and JAX
RESULTS=${RESULTS:-benchmarks/results}  # where the suite writes (another folder for a trial run)

if compgen -G ".whl/*.whl" >/dev/null; then
    "$PY" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl \
        || { echo "gpu_suite.sh: installing .whl/*.whl failed" >&2; exit 3; }
    export PYTHONPATH="/tmp/site${PYTHONPATH:+:$PYTHONPATH}"
fi
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1 TF_CPP_MIN_LOG_LEVEL=3 MPLBACKEND=Agg

marker=$(mktemp)
mkdir -p "$RESULTS"
"$PY" benchmarks/gpu_suite.py --out "$RESULTS" "$@" 2>&1 | tee /tmp/gpu_suite.log
rc=${PIPESTATUS[0]}

if [ -n "${OUT:-}" ]; then
    mapfile -t new < <(find "$RESULTS" -maxdepth 1 -type f -newer "$marker" -printf '%f\n' | sort)
    if [ "${#new[@]}" -gt 0 ]; then
        tar czf "$OUT/gpu_results.tar.gz" -C "$RESULTS" "${new[@]}"
        for f in "${new[@]}"; do [[ "$f" == *.md ]] && cp "$RESULTS/$f" "$OUT/"; done
        echo "packed into \$OUT/gpu_results.tar.gz: ${new[*]}"
    fi
    cp /tmp/gpu_suite.log "$OUT/"
fi
rm -f "$marker"
exit "$rc"
