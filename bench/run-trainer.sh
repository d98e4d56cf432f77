#!/usr/bin/env bash
# The trainer benchmark in one go (bench/README.md, section "Trainer"): ours against PyTorch, interleaved run by
# run, then the memory-growth run. About 10-12 minutes on 2 idle cores; results are appended to
# bench/results/trainer-<UTC time>.jsonl and bench/results/growth-<UTC time>.json, and the tables printed.
# Environment: THREADS (default 2), GROWTH_STEPS (default 10000), GROWTH_WARMUP (default 1000).
set -euo pipefail
cd "$(dirname "$0")/.."
threads="${THREADS:-2}"
stamp="$(date -u +%Y%m%dT%H%M%SZ)"
out="bench/results/trainer-${stamp}.jsonl"
growth="bench/results/growth-${stamp}.json"
bench=bench/TuneOperator.Bench.Trainer/bin/Release/net10.0/tune-bench-trainer

echo "== build (Release)" >&2
dotnet build bench/TuneOperator.Bench.Trainer/TuneOperator.Bench.Trainer.csproj -c Release --disable-build-servers -v q
uptime >&2
start=$(date +%s)

# 20M fp32: cheap, two rounds (A/B/A/B) for a steadier ratio.
/usr/bin/python3 bench/pytorch/compare_trainer.py --models 20m --precisions fp32 --modes full,lora \
    --rounds 2 --warmup 1 --steps 3 --threads "$threads" --out "$out"
# 20M bf16 and 100M fp32: one round each (A/B), 1 warm-up + 2 measured steps.
/usr/bin/python3 bench/pytorch/compare_trainer.py --models 20m --precisions bf16 --modes full,lora \
    --rounds 1 --warmup 1 --steps 2 --threads "$threads" --out "$out"
/usr/bin/python3 bench/pytorch/compare_trainer.py --models 100m --precisions fp32 --modes full,lora \
    --rounds 1 --warmup 1 --steps 2 --threads "$threads" --out "$out"
echo "== comparisons took $(( $(date +%s) - start )) s" >&2

# Memory growth: tiny model, 1 thread; the baseline is taken after the warm-up (the allocator settles in the
# first few hundred steps), then RSS, GC heap, live tensors and malloc statistics every 10 % of the steps.
# The GC settings tune-trainer should run with (environment only: the runtime reads neither from runtimeconfig):
# a 2 MiB gen0 budget and 1 MiB regions (the trainer pod, the trainer image and `tune run` set the same), so the GC keeps ~4 MiB committed instead of 17-25 MiB that grows in 4 MiB
# regions (bench/README.md, "memory growth").
DOTNET_GCgen0size="${DOTNET_GCgen0size:-0x200000}" DOTNET_GCRegionSize="${DOTNET_GCRegionSize:-0x100000}" \
"$bench" --model tiny --growth --warmup "${GROWTH_WARMUP:-1000}" --steps "${GROWTH_STEPS:-10000}" --threads 1 | tee "$growth"
uptime >&2
echo "== total $(( $(date +%s) - start )) s; results: $out $growth" >&2
