#!/usr/bin/env bash
# The checks that need a GPU, in one call that fits a short device lease (about 9 minutes of work).
# Run from the repository root on the GPU machine, after the README's install:
#
#   bash experiments/gpu/device_checks.sh "$OUT"      # OUT: a folder for logs and results
#   bash experiments/gpu/device_checks.sh --help      # this text (exit 0; any other -option: exit 2)
#
# 1. the CUDA tests (router pass and training on CUDA against CPU, POMO amp / compile paths);
# 2. router training on CUDA (300 steps at most, 60 s): seconds per step against the CPU's 0.079
#    (data/checkpoints/README.md);
#    and a training step eager against torch.compile on CUDA (experiments/bench/router_compile.py; on
#    this project's CPU the compiled step is 0.63x as fast, experiments/results/router_compile.md);
# 3. NBFNet on the full FB15k-237 for 200 s: optimisation steps per second, to size the full run
#    that experiments/results/kg.md documents for a GPU;
# 4. POMO CVRP50 training throughput, fp32 / bf16 autocast / bf16 + torch.compile, 60 s each.
# Each step writes under OUT and a failure in one does not stop the next; a summary is printed last.
set -uo pipefail
usage() { awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$0"; }  # the comment above
case "${1:-}" in
  -h|--help) usage; exit 0 ;;
  -*) echo "device_checks.sh: unknown option '$1' (usage: bash experiments/gpu/device_checks.sh OUT)" >&2; exit 2 ;;
esac
OUT=${1:?usage: device_checks.sh OUT}
mkdir -p "$OUT"
cd "$(dirname "$0")/../.."
log() { echo "== $*" | tee -a "$OUT/summary.txt"; }
median() {  # median of a column of a log.csv, skipping the first 5 rows (warm-up, compilation)
  python - "$1" "$2" <<'PY'
import csv, statistics, sys
try:
    rows = list(csv.DictReader(open(sys.argv[1])))
    vals = [float(r[sys.argv[2]]) for r in rows[5:] or rows if r.get(sys.argv[2])]
    print(f"{statistics.median(vals):.4g} over {len(vals)} logged rows" if vals else "no values")
except OSError as e:
    print("no log:", e)
PY
}
{ nvidia-smi --query-gpu=name,memory.total --format=csv,noheader; python -c "import torch; print('torch', torch.__version__, 'cuda', torch.version.cuda)"; } \
  > "$OUT/machine.txt" 2>&1
log "machine: $(tr '\n' ' ' < "$OUT/machine.txt")"

timeout 150 pytest -q -m "not slow" -k "cuda" tests > "$OUT/pytest_cuda.txt" 2>&1
log "CUDA tests: $(tail -1 "$OUT/pytest_cuda.txt")"

timeout 120 graphroute train --task router --config experiments/configs/router_road.yaml --device cuda \
  --set steps=300 --time-limit 60 --out "$OUT/router_cuda" > "$OUT/router_cuda.txt" 2>&1
log "router on CUDA: $(tail -1 "$OUT/router_cuda.txt"); median s_per_step: $(median "$OUT/router_cuda/log.csv" s_per_step)"

timeout 90 python experiments/bench/router_compile.py --device cuda --steps 30 --out "$OUT/router_compile_cuda.md" \
  > "$OUT/router_compile_cuda.txt" 2>&1
log "router step eager vs compile on CUDA: $(grep -E '^\| (eager|`torch)' "$OUT/router_compile_cuda.md" 2>/dev/null | tr '\n' ' ')"

timeout 280 graphroute train --task kg --config experiments/configs/kg_fb15k237.yaml --device cuda \
  --time-limit 200 --out "$OUT/kg_fb15k237_cuda" > "$OUT/kg_fb15k237_cuda.txt" 2>&1
log "NBFNet FB15k-237 on CUDA (200 s): $(tail -2 "$OUT/kg_fb15k237_cuda.txt" | tr '\n' ' ')"

for variant in "amp=false compile=false" "amp=true compile=false" "amp=true compile=true"; do
  set -- $variant
  name="pomo_cvrp50_${1/=/-}_${2/=/-}"
  timeout 150 graphroute train --config experiments/configs/pomo_cvrp50.yaml --device cuda --set "$1" --set "$2" \
    --set log_every=10 --time-limit 60 --out "$OUT/$name" > "$OUT/$name.txt" 2>&1
  log "POMO CVRP50 $variant: $(tail -1 "$OUT/$name.txt"); median inst_per_s: $(median "$OUT/$name/log.csv" inst_per_s)"
done
cat "$OUT/summary.txt"
