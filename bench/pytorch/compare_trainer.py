#!/usr/bin/python3
"""Runs the trainer benchmark (ours, TorchSharp) and the PyTorch reference interleaved, A/B/A/B, one process per
run (so peak RSS is per configuration), appends every result line to a JSON-lines file and prints a Markdown table
of medians, ratios and LoRA-vs-full figures. Interleaving keeps the ratio fair when the machine is loaded by other
work: both sides see the same load on average. Usage (from the repository root, after a Release build):

  /usr/bin/python3 bench/pytorch/compare_trainer.py --models 20m,100m --precisions fp32,bf16 --modes full,lora \
      --rounds 2 --warmup 1 --steps 3 --threads 2 --out bench/results/trainer.jsonl
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OURS = os.path.join(ROOT, "bench", "TuneOperator.Bench.Trainer", "bin", "Release", "net10.0", "tune-bench-trainer")
REFERENCE = ["/usr/bin/python3", os.path.join(ROOT, "bench", "pytorch", "llama_bench.py")]


def run(command):
    completed = subprocess.run(command, capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed ({completed.returncode}): {completed.stderr[-2000:]}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


def load_average():
    with open("/proc/loadavg", encoding="ascii") as handle:
        return " ".join(handle.read().split()[:3])


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", default="20m,100m")
    parser.add_argument("--precisions", default="fp32,bf16")
    parser.add_argument("--modes", default="full,lora")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--steps", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--out", default=os.path.join(ROOT, "bench", "results", "trainer.jsonl"))
    args = parser.parse_args()
    if not os.path.exists(OURS):
        sys.exit(f"{OURS} is missing; build it first: dotnet build bench/TuneOperator.Bench.Trainer -c Release")
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    results = {}
    with open(args.out, "a", encoding="utf-8") as out:
        for model in args.models.split(","):
            for precision in args.precisions.split(","):
                for mode in args.modes.split(","):
                    common = ["--model", model, "--precision", precision, "--mode", mode, "--warmup", str(args.warmup),
                              "--steps", str(args.steps), "--threads", str(args.threads)]
                    for round_index in range(args.rounds):
                        for side, command in (("ours", [OURS] + common), ("pytorch", REFERENCE + common)):
                            before = load_average()
                            started = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
                            report = run(command)
                            report.update(side=side, round=round_index, started=started, load_before=before,
                                          load_after=load_average())
                            out.write(json.dumps(report) + "\n")
                            out.flush()
                            results.setdefault((model, precision, mode, side), []).append(report)
                            print(f"{model} {precision} {mode} {side} round {round_index}: median step "
                                  f"{report['median_step_s']:.3f} s, load {before} -> {report['load_after']}",
                                  file=sys.stderr, flush=True)
    print_table(results)


def print_table(results):
    print("| model | precision | mode | ours tok/s | PyTorch tok/s | ratio | ours GFLOP/s | ours fwd/bwd/opt s | "
          "PyTorch fwd/bwd/opt s | ours peak RSS MiB | PyTorch peak RSS MiB |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for (model, precision, mode, side), reports in sorted(results.items()):
        if side != "ours" or (model, precision, mode, "pytorch") not in results:
            continue
        theirs = results[(model, precision, mode, "pytorch")]

        def median(items, key):
            return statistics.median(value for report in items for value in
                                     (report[key] if isinstance(report[key], list) else [report[key]]))

        ours_step, their_step = median(reports, "step_s"), median(theirs, "step_s")
        tokens = reports[0]["tokens_per_step"]
        phases = lambda items: "/".join(f"{median(items, k):.3f}" for k in
                                        ("median_forward_s", "median_backward_s", "median_optimizer_s"))
        print(f"| {model} | {precision} | {mode} | {tokens / ours_step:.1f} | {tokens / their_step:.1f} | "
              f"{their_step / ours_step:.2f} | {reports[0]['flops_per_step'] / ours_step / 1e9:.2f} | "
              f"{phases(reports)} | {phases(theirs)} | {max(r['peak_rss_bytes'] for r in reports) / 2**20:.0f} | "
              f"{max(r['peak_rss_bytes'] for r in theirs) / 2**20:.0f} |")


if __name__ == "__main__":
    main()
