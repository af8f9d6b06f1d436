#!/usr/bin/env bash
# The determinism proof on a real NVIDIA GPU, in one short pass (a few minutes, well under 10):
# Dawn (the `webgpu` npm package) on Vulkan on the GPU runs the per-backend conformance suite and
# every determinism case (bench/determinism/cases.ts), and each case must give Node cpu's model
# hash, output hash and trace root. The adapter must be the NVIDIA GPU: a run that fell back to
# anything else fails. Nothing to install beyond `npm ci`; the machine needs the NVIDIA driver
# with its Vulkan ICD and the Vulkan loader (libvulkan1), as GPU machines have.
#
# Then it times moby-gpt generation on the GPU beside cpu (bench/model.ts: tokens/s, the ratio,
# and dispatches, reads and submissions per token), and stories260k as its context grows
# (bench/context.ts).
#
#   bash bench/nvidia.sh        # writes conformance.log, determinism.md/.json/.svg, model.md, context.md to $OUT
#                               # (default bench/results/nvidia)
set -euo pipefail
cd "$(dirname "$0")/.."

gpus=$(nvidia-smi -L 2>/dev/null) || { echo "nvidia.sh: nvidia-smi lists no NVIDIA GPU on this machine" >&2; exit 2; }
echo "$gpus"
[ -d node_modules ] || npm ci --no-audit --no-fund
out=${OUT:-bench/results/nvidia}
mkdir -p "$out"

# Dawn's Vulkan backend reaches the GPU; its OpenGL ES default is for machines without one.
export SPML_DAWN_BACKEND=vulkan

started=$SECONDS
echo "nvidia.sh: conformance suite on webgpu (Dawn, Vulkan)…" >&2
npx vitest run --project backend:webgpu 2>&1 | tee "$out/conformance.log"
echo "nvidia.sh: conformance took $((SECONDS - started)) s; determinism cases on node/webgpu beside node/cpu…" >&2
npx tsx bench/determinism.ts --stacks node/webgpu --out "$out" | tee "$out/determinism.md"

# The bench already failed if a hash differed; here the adapter must also be the GPU itself.
node -e '
const r = JSON.parse(require("fs").readFileSync(process.argv[1] + "/determinism.json", "utf8"));
const s = r.stacks.find((x) => x.stack === "node/webgpu");
if (!s || !/nvidia/i.test(s.description)) { console.error(`nvidia.sh: node/webgpu ran on "${s && s.description}", not an NVIDIA adapter`); process.exit(1); }
console.log(`nvidia.sh: ${s.casesRun} cases on ${s.description}: ${s.agreesWithCpu ? "all agree with cpu" : "MISMATCH"}; combined output ${s.combinedOutputHash}, trace ${s.combinedTraceRoot}; ${s.tokensPerSecond.toFixed(1)} tokens/s`);
process.exit(s.agreesWithCpu ? 0 : 1);
' "$out"
echo "nvidia.sh: moby-gpt speed on webgpu beside cpu…" >&2
npx tsx bench/model.ts webgpu | tee "$out/model.md"
echo "nvidia.sh: stories260k speed as the context grows, webgpu beside cpu…" >&2
npx tsx bench/context.ts webgpu | tee "$out/context.md"
echo "nvidia.sh: done in $((SECONDS - started)) s" >&2
