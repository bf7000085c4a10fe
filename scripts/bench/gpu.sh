#!/usr/bin/env bash
# The GPU benchmark (issue 14, goal 8): the full-size SD 1.5-architecture model (generated on this machine:
# no network needed) as fp32 and fp16 exports on the GPU, UNet it/s and the per-job overhead share, in one
# table (scripts/bench/gpu-bench.ts). The GPU goes through onnxruntime-node's CUDA provider when it is
# installed, else through its bundled WebGPU provider (Vulkan on Linux); with neither, the table is this
# machine's CPU's. Run from anywhere:
#   scripts/bench/gpu.sh [--quick]   (NODE=/path/to/node scripts/bench/gpu.sh to choose the Node binary)
# after `npm ci` in the checkout, or, on a machine with no Node.js or no network, with the bundle that
# scripts/bench/gpu-bundle.sh makes (.gpu-bundle/: Node, the compiled build, the runtime packages, the
# Vulkan loader) beside it: then nothing needs installing. --quick: the small synthetic model, fp32, to
# check in a minute that everything runs. Needs ~7 GB free in the cache folder (INSANERES_CACHE, default
# ~/.cache/insaneres). Kept under 10 minutes.
set -euo pipefail
cd "$(dirname "$0")/../.."
BUNDLE=.gpu-bundle
# The bundle only ever replaces packages it brought itself: never a developer's node_modules.
if [ -f "$BUNDLE/app.tar.xz" ] && { [ ! -d node_modules ] || [ -f node_modules/.from-gpu-bundle ]; }; then
  echo "gpu.sh: using $BUNDLE ($(cat "$BUNDLE/made-from.txt" 2>/dev/null || echo 'origin unknown'))" >&2
  unxz() { # xz, or Python's lzma where xz is not installed
    if command -v xz >/dev/null 2>&1; then xz -dc "$1"; else python3 -c 'import lzma,shutil,sys; shutil.copyfileobj(lzma.open(sys.argv[1]), sys.stdout.buffer)' "$1"; fi
  }
  mkdir -p "$BUNDLE/run/bin"
  unxz "$BUNDLE/node.xz" >"$BUNDLE/run/bin/node" && chmod +x "$BUNDLE/run/bin/node"
  rm -rf node_modules dist
  unxz "$BUNDLE/app.tar.xz" | tar -x -f -
  NODE="$(pwd)/$BUNDLE/run/bin/node"
  # WebGPU's Dawn needs a Vulkan loader; unpack the bundled one where the system has none (needs root).
  # (grep without -q reads all of ldconfig's output: an early exit would fail the pipe under pipefail.)
  if ! ldconfig -p 2>/dev/null | grep 'libvulkan.so.1' >/dev/null && compgen -G "$BUNDLE/vulkan/*.deb" >/dev/null; then
    for deb in "$BUNDLE"/vulkan/*.deb; do dpkg -x "$deb" / ; done
    ldconfig || true
  fi
fi
# NVIDIA's Vulkan driver where the loader would not find it on its own (a driver mounted outside /usr).
for icd in /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json; do
  if [ -f "$icd" ] && [ -z "${VK_DRIVER_FILES:-}${VK_ICD_FILENAMES:-}" ]; then export VK_DRIVER_FILES="$icd"; fi
done
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-/tmp}" # Dawn complains without one
NODE="${NODE:-node}"
if ! command -v "$NODE" >/dev/null 2>&1; then
  echo "gpu.sh: no Node.js found ('$NODE'); install Node >= 20, set NODE=/path/to/node, or bring the bundle (scripts/bench/gpu-bundle.sh)" >&2
  exit 1
fi
if [ ! -d node_modules/onnxruntime-node ]; then
  echo "gpu.sh: node_modules is missing: run 'npm ci' in $(pwd) first, or bring the bundle (scripts/bench/gpu-bundle.sh)" >&2
  exit 1
fi
# Run the compiled build; rebuild it when the sources differ from it (or it is absent) and TypeScript is there.
fresh() { "$NODE" -e "process.exit(require('./scripts/build/freshness').buildStatus().fresh ? 0 : 1)"; }
if ! fresh; then
  "$NODE" scripts/build/build-server.js
fi
if [ -f dist/scripts/bench/gpu-bench.js ] && fresh; then
  exec timeout 600 "$NODE" dist/scripts/bench/gpu-bench.js "$@"
fi
echo "gpu.sh: no current compiled build; running the TypeScript sources through tsx" >&2
exec timeout 600 "$NODE" --require tsx/cjs scripts/bench/gpu-bench.ts "$@"
