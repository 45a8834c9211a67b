#!/usr/bin/env bash
# `graphroute compare --task paths` with its defaults (auto pass depth; chains contracted when a quarter
# of the nodes are chain nodes) on the shared road graphs and an unseen 10k Delaunay graph, as a new
# user runs it. Writes experiments/results/router_defaults.md (each graph's paths_summary.md, in order).
#
#   bash experiments/bench/router_defaults.sh [../shared/data/road]
set -euo pipefail
cd "$(dirname "$0")/../.."
ROAD=${1:-../shared/data/road}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
export OMP_NUM_THREADS=1
OUT=experiments/results/router_defaults.md
{
  echo "# GNN router with the CLI's defaults"
  echo
  echo "Command: \`bash experiments/bench/router_defaults.sh\`, which runs, per graph,"
  echo "\`graphroute compare --task paths GRAPH --baseline dijkstra --out DIR\` (200 seeded pairs,"
  echo "\`--steps auto\`, chain contraction decided by the graph) and collects each \`paths_summary.md\`."
  echo "Machine: $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(nproc --all) cores, 1 torch thread; $(date -u +%Y-%m-%d)."
  echo
} > "$WORK/head.md"
i=0
for f in monaco-osm/monaco.osm.gz north-bayreuth-osm/north-bayreuth.osm.gz andorra-osm/andorra.osm.pbf \
         rome99-dimacs/rome99.gr; do
  if [ ! -f "$ROAD/$f" ]; then echo "skip $f: not found under $ROAD" >&2; continue; fi
  i=$((i + 1))
  graphroute compare --task paths "$ROAD/$f" --baseline dijkstra --out "$WORK/$i" > /dev/null
  sed 's/^# /## /' "$WORK/$i/paths_summary.md" > "$WORK/part$i.md"
  echo >> "$WORK/part$i.md"
done
graphroute graph build synthetic delaunay --nodes 10000 --seed 2026 --out "$WORK/delaunay10k.graph.npz" > /dev/null
graphroute compare --task paths "$WORK/delaunay10k.graph.npz" --baseline dijkstra --queries 300 \
  --methods "router greedy,learned A*,Euclidean A*,geo forwarding,Dijkstra" --out "$WORK/d" > /dev/null
sed 's/^# /## /; s#on delaunay10k.graph.npz#on an unseen Delaunay graph (10,000 nodes, seed 2026)#' "$WORK/d/paths_summary.md" > "$WORK/partd.md"
cat "$WORK/head.md" "$WORK"/part*.md > "$WORK/all.md"
mv "$WORK/all.md" "$OUT.tmp" && mv "$OUT.tmp" "$OUT"
echo "wrote $OUT"
