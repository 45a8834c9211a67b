#!/usr/bin/env bash
# The checks that need a GPU, in one device command of about 8 minutes (DC_BUDGET=500 s of stages).
#
#   bash experiments/gpu/device_checks.sh "$OUT"      # OUT: the folder whose files come back
#   bash experiments/gpu/device_checks.sh --help      # this text (exit 0; any other -option: exit 2)
#
# Before the call, on the session's own machine, from the repository root (the device machine gets the
# checkout only, not the ../shared beside it; a shared/ folder inside the checkout travels, and
# .gitignore keeps it out of commits):
#
#   mkdir -p shared/data/kg && cp -r ../shared/data/kg/FB15k-237 shared/data/kg/    # 3.4 MiB
#
# then one call of the device tool: run(command='bash experiments/gpu/device_checks.sh "$OUT"',
# timeout_s=600). The script installs the checkout with `pip install --no-deps -e .` (the image has torch,
# torch-geometric, numpy, scipy, typer, rich, pyyaml, pytest; the solvers ortools / pyvrp / vrplib /
# osmium / ray are not needed by these checks), and stops at once, with one line, when the data above,
# CUDA or the install is missing. Stages, each with its budget (timeout), and a timing line for each:
#
# 0. install (60 s);
# 1. the CUDA tests, pytest -k "cuda or device_choice" (150 s): router pass and training on CUDA
#    against CPU, NBFNet scores and gradients, POMO bf16 / compile / resume;
# 2. router training on CUDA, 300 steps at most, --time-limit 30 (70 s): seconds per step against the
#    CPU's 0.079 (data/checkpoints/README.md);
# 3. a router training step eager against torch.compile on CUDA, 20 steps each
#    (experiments/bench/router_compile.py, 90 s; on this project's CPU the compiled step is 0.63x as
#    fast, experiments/results/router_compile.md);
# 4. NBFNet on the full FB15k-237, --time-limit 90 (150 s): optimisation steps per second, to size the
#    full run that experiments/results/kg.md documents for a GPU;
# 5. POMO CVRP50 training throughput, fp32 / bf16 autocast / bf16 + torch.compile, --time-limit 25
#    (55 s) each.
# A stage starts only when the time left in DC_BUDGET covers its usual need, and its timeout is cut to
# that time left; a failure in one stage does not stop the next. Runs (checkpoints, TensorBoard
# events) stay in /tmp; OUT gets two files: summary.txt (one line per stage, appended as it ends) and
# results.tgz (every stage's output, log.csv files, router_compile.md; rewritten after each stage).
#
# DC_DRY=1 runs the same stages on the CPU with tiny limits and without the install (a check of the
# script itself, a few minutes here); PYTHON chooses the interpreter (default python3).
set -uo pipefail
usage() { awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$0"; }  # the comment above
case "${1:-}" in
  -h|--help) usage; exit 0 ;;
  -*) echo "device_checks.sh: unknown option '$1' (usage: bash experiments/gpu/device_checks.sh OUT)" >&2; exit 2 ;;
esac
OUT=$(realpath -m "${1:?usage: device_checks.sh OUT}")
cd "$(dirname "$0")/../.." || exit 1
PY=${PYTHON:-python3}
DRY=${DC_DRY:-0}
BUDGET=${DC_BUDGET:-500}
KG_DATA=shared/data/kg/FB15k-237
mkdir -p "$OUT" || exit 1
WORK=$(mktemp -d /tmp/dc.XXXXXX) || exit 1
mkdir -p "$WORK/logs" "$WORK/runs"
: > "$OUT/summary.txt"
T0=$SECONDS
log() { echo "== $*" | tee -a "$OUT/summary.txt"; }
die() { log "device_checks.sh: $*"; exit 3; }
pack() {  # the small result files of every run, one archive (8 files at most come back from OUT)
  (cd "$WORK" && find logs runs -type f \( -name '*.csv' -o -name '*.txt' -o -name '*.json' -o -name '*.md' \) \
    -size -4M -print0 | tar czf "$OUT/.results.tgz" --null -T -) && mv "$OUT/.results.tgz" "$OUT/results.tgz"
}
# stage NAME NEED TIMEOUT CMD...: run CMD with its output in logs/NAME.txt when NEED seconds are left
stage() {
  local name=$1 need=$2 tmo=$3 left t
  shift 3
  left=$((BUDGET - (SECONDS - T0)))
  if ((left < need)); then
    STAGE_RC=skipped
    log "[$((SECONDS - T0)) s] $name: skipped, $left s of the $BUDGET s budget left (needs about $need s)"
    return 1
  fi
  ((tmo > left)) && tmo=$left
  t=$SECONDS
  timeout -k 10 "$tmo" "$@" > "$WORK/logs/$name.txt" 2>&1
  STAGE_RC=$?
  local how="rc $STAGE_RC"
  ((STAGE_RC == 124 || STAGE_RC == 137)) && how="TIMED OUT at $tmo s"
  log "[$((SECONDS - T0)) s] $name: $((SECONDS - t)) s of $tmo s, $how"
  return 0
}
last() { tail -"${2:-1}" "$WORK/logs/$1.txt" 2>/dev/null | tr '\n' ' '; }
median() {  # median of a column of a log.csv, skipping the first 5 rows (warm-up, compilation)
  "$PY" - "$1" "$2" <<'PY'
import csv, statistics, sys
try:
    rows = list(csv.DictReader(open(sys.argv[1])))
    vals = [float(r[sys.argv[2]]) for r in rows[5:] or rows if r.get(sys.argv[2])]
    print(f"{statistics.median(vals):.4g} over {len(vals)} logged rows" if vals else "no values")
except OSError as e:
    print("no log:", e)
PY
}

if [[ $DRY == 1 ]]; then
  DEV=cpu
  # tiny versions of each run: the script's plumbing, not the numbers
  ROUTER=(--set steps=3 --set val_graphs=1 --time-limit 5)
  COMPILE_STEPS=4
  KG=(--set max_train_triples=16 --set batch_size=4 --set epochs=1 --set max_eval_queries=4 --set dim=8
      --set layers=2 --set aggregate=sum --set remove_one_hop=false --set eval_batch_size=4 --time-limit 10)
  POMO=(--set size=10 --set batch_size=4 --set val_size=8 --set embed_dim=16 --set num_layers=1 --set ff_dim=32
        --set log_every=1 --time-limit 5)
  KG_DATA=${DC_KG_DATA:-$KG_DATA}
  [[ -d $KG_DATA ]] || KG_DATA=../shared/data/kg/FB15k-237  # here the data may sit beside the checkout
else
  DEV=cuda
  ROUTER=(--set steps=300 --time-limit 30)
  COMPILE_STEPS=20
  KG=(--time-limit 90)
  POMO=(--set log_every=10 --time-limit 25)
  KG_DATA=${DC_KG_DATA:-$KG_DATA}
fi

# preflight: a missing piece costs one line, not 8 minutes of a lease
[[ -f $KG_DATA/train.txt.gz ]] \
  || die "no FB15k-237 at $KG_DATA: first run 'mkdir -p shared/data/kg && cp -r ../shared/data/kg/FB15k-237 shared/data/kg/' in the checkout"
if [[ $DRY == 1 ]]; then
  log "[0 s] install: skipped (DC_DRY=1: the CPU dry run uses the current environment)"
else
  stage install 20 60 "$PY" -m pip install -q --no-deps --no-build-isolation --no-cache-dir -e .
  [[ $STAGE_RC == 0 ]] || die "pip install --no-deps -e . failed: $(last install 3)"
  "$PY" -c "import torch; assert torch.cuda.is_available()" 2>/dev/null || die "$PY's torch sees no CUDA device"
fi
{ nvidia-smi --query-gpu=name,memory.total --format=csv,noheader
  "$PY" -c "import torch; print('torch', torch.__version__, 'cuda', torch.version.cuda)"; } > "$WORK/logs/machine.txt" 2>&1
log "machine: $(last machine 3)"
"$PY" -c "import graphroute_cli.main" > "$WORK/logs/import.txt" 2>&1 || die "graphroute_cli does not import: $(last import 1)"
GR=("$PY" -m graphroute_cli.main)

stage pytest_cuda 60 150 "$PY" -m pytest -q -p no:cacheprovider -k "cuda or device_choice" \
  tests/neural/test_train.py tests/neural/kg/test_nbfnet.py tests/neural/router/test_train.py \
  && log "CUDA tests: $(last pytest_cuda)"
pack

stage router_$DEV 35 70 "${GR[@]}" train --task router --config experiments/configs/router_road.yaml --device $DEV \
  "${ROUTER[@]}" --out "$WORK/runs/router_$DEV" \
  && log "router on $DEV: $(last router_$DEV); median s_per_step: $(median "$WORK/runs/router_$DEV/log.csv" s_per_step)"
pack

stage router_compile_$DEV 50 90 "$PY" experiments/bench/router_compile.py --device $DEV --steps $COMPILE_STEPS \
  --out "$WORK/runs/router_compile_$DEV.md" \
  && log "router step eager vs compile on $DEV: $(grep -E '^\| (eager|`torch)' "$WORK/runs/router_compile_$DEV.md" 2>/dev/null | tr '\n' ' ')"
pack

stage kg_fb15k237_$DEV 100 150 "${GR[@]}" train --task kg --config experiments/configs/kg_fb15k237.yaml --device $DEV \
  --set data="$KG_DATA" "${KG[@]}" --out "$WORK/runs/kg_fb15k237_$DEV" \
  && log "NBFNet FB15k-237 on $DEV: $(last kg_fb15k237_$DEV 2)"
pack

for variant in "amp=false compile=false" "amp=true compile=false" "amp=true compile=true"; do
  set -- $variant
  name="pomo_cvrp50_${1/=/-}_${2/=/-}"
  stage "$name" 35 55 "${GR[@]}" train --config experiments/configs/pomo_cvrp50.yaml --device $DEV --set "$1" --set "$2" \
    "${POMO[@]}" --out "$WORK/runs/$name" \
    && log "POMO CVRP50 $variant: $(last "$name"); median inst_per_s: $(median "$WORK/runs/$name/log.csv" inst_per_s)"
  pack
done
log "[$((SECONDS - T0)) s] done; runs in $WORK, results in $OUT (summary.txt, results.tgz)"
