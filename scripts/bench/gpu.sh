#!/usr/bin/env bash
# The GPU benchmark (issue 14, goal 8): on a machine with an NVIDIA GPU and onnxruntime-node's CUDA provider,
# the full-size SD 1.5-architecture model (generated on this machine: no network needed) as fp32 and fp16
# exports, UNet it/s and the per-job overhead share, in one table. Without the CUDA provider it says so and
# reports this machine's CPU figures instead. Run from anywhere, after `npm ci` in the checkout:
#   scripts/bench/gpu.sh            (NODE=/path/to/node scripts/bench/gpu.sh to choose the Node binary)
# Needs ~7 GB free in the cache folder (INSANERES_CACHE, default ~/.cache/insaneres). Kept under 10 minutes.
set -euo pipefail
cd "$(dirname "$0")/../.."
NODE="${NODE:-node}"
if ! command -v "$NODE" >/dev/null 2>&1; then
  echo "gpu.sh: no Node.js found ('$NODE'); install Node >= 20 or set NODE=/path/to/node" >&2
  exit 1
fi
if [ ! -d node_modules/onnxruntime-node ]; then
  echo "gpu.sh: node_modules is missing: run 'npm ci' in $(pwd) first" >&2
  exit 1
fi
# Run the compiled build; rebuild it when the sources are newer (or it is absent) and TypeScript is there.
if ! "$NODE" -e "process.exit(require('./scripts/build/freshness').buildStatus().fresh ? 0 : 1)"; then
  "$NODE" scripts/build/build-server.js
fi
if [ -f dist/scripts/bench/gpu-bench.js ] && "$NODE" -e "process.exit(require('./scripts/build/freshness').buildStatus().fresh ? 0 : 1)"; then
  exec timeout 600 "$NODE" dist/scripts/bench/gpu-bench.js
fi
echo "gpu.sh: no current compiled build; running the TypeScript sources through tsx" >&2
exec timeout 600 "$NODE" --require tsx/cjs scripts/bench/gpu-bench.ts
