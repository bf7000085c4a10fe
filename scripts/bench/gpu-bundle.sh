#!/usr/bin/env bash
# Makes .gpu-bundle/ (git-ignored): what scripts/bench/gpu.sh needs on a machine with a GPU but no Node.js
# and no network, such as a lent GPU machine that receives only a copy of the checkout. It holds this
# machine's Node binary (node.xz), the compiled build and the production packages (app.tar.xz: dist/ and
# node_modules/ for linux-x64), the Vulkan loader that WebGPU needs (vulkan/*.deb, where apt can fetch it)
# and made-from.txt. gpu.sh unpacks it when the checkout has no node_modules. The build inside is stamped
# with the digest of these sources, so it runs only beside the same sources (scripts/build/freshness.js).
# Needs npm's registry (for `npm ci --omit=dev`). Stays under GPU_BUNDLE_LIMIT_MIB (default 56) so the
# checkout and the bundle together travel within a 64 MiB limit.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT="$(pwd)"
OUT="$ROOT/.gpu-bundle"
LIMIT_MIB="${GPU_BUNDLE_LIMIT_MIB:-56}"
NODE_BIN="$(node -p process.execPath)"
if [ "$(node -p "process.platform + '-' + process.arch")" != linux-x64 ]; then
  echo "gpu-bundle.sh: the bundle is for linux-x64 GPU machines; this is $(node -p "process.platform + '-' + process.arch")" >&2
  exit 1
fi
node scripts/build/build-server.js
STAGE="$(mktemp -d)"
trap 'rm -rf "$STAGE"' EXIT
cp package.json package-lock.json "$STAGE/"
(cd "$STAGE" && npm ci --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error)
# onnxruntime-node carries every platform's binaries (288 MB): keep linux-x64's. tsx and its esbuild run
# the TypeScript sources, which the bundle never does (its build is current for these sources).
find "$STAGE/node_modules/onnxruntime-node/bin/napi-v6" -mindepth 2 -maxdepth 2 -type d ! -path '*/linux/x64' -exec rm -rf {} +
rm -rf "$STAGE/node_modules/tsx" "$STAGE/node_modules/esbuild" "$STAGE/node_modules/@esbuild"
# What only a developer reads: documentation, tests, source maps, type declarations.
find "$STAGE/node_modules" \( -name '*.md' -o -name '*.map' -o -name '*.d.ts' -o -name '*.d.mts' -o -name '*.d.cts' \) -type f -delete
find "$STAGE/node_modules" -depth -type d \( -name test -o -name tests -o -name docs -o -name benchmarks -o -name example -o -name examples \) -exec rm -rf {} +
touch "$STAGE/node_modules/.from-gpu-bundle"
rm -rf "$OUT"
mkdir -p "$OUT/vulkan"
xz -T0 -6 -c "$NODE_BIN" >"$OUT/node.xz"
tar -c -f - -C "$STAGE" node_modules -C "$ROOT" dist | xz -T0 -6 >"$OUT/app.tar.xz"
if ! (cd "$OUT/vulkan" && apt-get download libvulkan1 >/dev/null 2>&1); then
  echo "gpu-bundle.sh: could not fetch libvulkan1 with apt: WebGPU will need the GPU machine's own Vulkan loader" >&2
fi
commit="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
if [ -n "$(git status --porcelain 2>/dev/null)" ]; then commit="$commit with uncommitted changes"; fi
echo "made $(date -u +%Y-%m-%dT%H:%MZ) from $commit, Node $(node -v)" >"$OUT/made-from.txt"
bytes="$(du -sb "$OUT" | cut -f1)"
echo "gpu-bundle.sh: $OUT is $((bytes / 1048576)) MiB ($(cat "$OUT/made-from.txt"))"
if [ "$bytes" -gt $((LIMIT_MIB * 1048576)) ]; then
  echo "gpu-bundle.sh: over the $LIMIT_MIB MiB limit" >&2
  exit 1
fi
