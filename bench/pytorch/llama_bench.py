#!/usr/bin/python3
"""PyTorch reference for the trainer benchmark: the same Llama model, init, data, loss, clipping and AdamW as
bench/TuneOperator.Bench.Trainer, written with plain torch (tested with Debian's python3-torch 1.13).

Prints one JSON line with the same fields as the C# benchmark. Run with /usr/bin/python3 (Debian's interpreter).
"""
import argparse
import json
import math
import os
import statistics
import sys
import time

PRESETS = {
    # name: (vocab, hidden, layers, heads, kv_heads, intermediate, batch, seq)
    "tiny": (256, 64, 2, 4, 2, 128, 2, 32),
    "20m": (32000, 384, 6, 6, 2, 1024, 4, 128),
    "100m": (32000, 768, 12, 12, 4, 2048, 2, 128),
}
INIT_STD = 0.02
NORM_EPS = 1e-6
ROPE_THETA = 10000.0
LEARNING_RATE = 1e-4
WEIGHT_DECAY = 0.01
MAX_GRAD_NORM = 1.0
LORA_RANK = 8
LORA_ALPHA = 16


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", default="20m", choices=sorted(PRESETS))
    parser.add_argument("--precision", default="fp32", choices=["fp32", "bf16"])
    parser.add_argument("--mode", default="full", choices=["full", "lora"])
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--seed", type=int, default=0)
    return parser.parse_args()


ARGS = parse_args()
# OpenBLAS (pthread build) reads its thread count when it loads, before torch.set_num_threads can reach it.
os.environ["OMP_NUM_THREADS"] = str(ARGS.threads)
os.environ["OPENBLAS_NUM_THREADS"] = str(ARGS.threads)
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from torch import nn  # noqa: E402


class RmsNorm(nn.Module):
    def __init__(self, size):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(size))

    def forward(self, x):
        x32 = x.float()
        normalized = x32 * torch.rsqrt(x32.pow(2).mean(-1, keepdim=True) + NORM_EPS)
        return self.weight * normalized.to(x.dtype)


def rotate_half(x):
    a, b = x.chunk(2, dim=-1)
    return torch.cat([-b, a], dim=-1)


class LoraLinear(nn.Module):
    """base(x) + B(A(x)) * alpha / r, base frozen, A Kaiming-uniform (U(-1/sqrt(in), 1/sqrt(in))), B zeros."""

    def __init__(self, base, generator):
        super().__init__()
        self.base = base
        self.base.weight.requires_grad_(False)
        self.lora_A = nn.Linear(base.in_features, LORA_RANK, bias=False)
        self.lora_B = nn.Linear(LORA_RANK, base.out_features, bias=False)
        bound = 1.0 / math.sqrt(base.in_features)
        with torch.no_grad():
            self.lora_A.weight.uniform_(-bound, bound, generator=generator)
            self.lora_B.weight.zero_()
        self.scaling = LORA_ALPHA / LORA_RANK

    def forward(self, x):
        return self.base(x) + self.lora_B(self.lora_A(x)) * self.scaling


class Attention(nn.Module):
    def __init__(self, hidden, heads, kv_heads):
        super().__init__()
        self.heads, self.kv_heads, self.head_dim = heads, kv_heads, hidden // heads
        self.q_proj = nn.Linear(hidden, heads * self.head_dim, bias=False)
        self.k_proj = nn.Linear(hidden, kv_heads * self.head_dim, bias=False)
        self.v_proj = nn.Linear(hidden, kv_heads * self.head_dim, bias=False)
        self.o_proj = nn.Linear(heads * self.head_dim, hidden, bias=False)

    def forward(self, x, cos, sin, causal):
        b, t, _ = x.shape
        q = self.q_proj(x).view(b, t, self.heads, self.head_dim).transpose(1, 2)
        k = self.k_proj(x).view(b, t, self.kv_heads, self.head_dim).transpose(1, 2)
        v = self.v_proj(x).view(b, t, self.kv_heads, self.head_dim).transpose(1, 2)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        if self.heads != self.kv_heads:
            k = k.repeat_interleave(self.heads // self.kv_heads, dim=1)
            v = v.repeat_interleave(self.heads // self.kv_heads, dim=1)
        # torch 1.13 has no scaled_dot_product_attention: the eager form Hugging Face used then.
        scores = (q @ k.transpose(-2, -1)) / math.sqrt(self.head_dim)
        scores = scores.masked_fill(~causal, torch.finfo(scores.dtype).min)
        weights = torch.softmax(scores.float(), dim=-1).to(q.dtype)
        out = (weights @ v).transpose(1, 2).reshape(b, t, self.heads * self.head_dim)
        return self.o_proj(out)


class Mlp(nn.Module):
    def __init__(self, hidden, intermediate):
        super().__init__()
        self.gate_proj = nn.Linear(hidden, intermediate, bias=False)
        self.up_proj = nn.Linear(hidden, intermediate, bias=False)
        self.down_proj = nn.Linear(intermediate, hidden, bias=False)

    def forward(self, x):
        return self.down_proj(F.silu(self.gate_proj(x)) * self.up_proj(x))


class Layer(nn.Module):
    def __init__(self, hidden, heads, kv_heads, intermediate):
        super().__init__()
        self.self_attn = Attention(hidden, heads, kv_heads)
        self.mlp = Mlp(hidden, intermediate)
        self.input_layernorm = RmsNorm(hidden)
        self.post_attention_layernorm = RmsNorm(hidden)

    def forward(self, x, cos, sin, causal):
        x = x + self.self_attn(self.input_layernorm(x), cos, sin, causal)
        return x + self.mlp(self.post_attention_layernorm(x))


class Llama(nn.Module):
    """LlamaForCausalLM with tied embeddings."""

    def __init__(self, vocab, hidden, layers, heads, kv_heads, intermediate):
        super().__init__()
        self.embed_tokens = nn.Embedding(vocab, hidden)
        self.layers = nn.ModuleList(Layer(hidden, heads, kv_heads, intermediate) for _ in range(layers))
        self.norm = RmsNorm(hidden)
        head_dim = hidden // heads
        self.register_buffer(
            "inv_freq", 1.0 / ROPE_THETA ** (torch.arange(0, head_dim, 2, dtype=torch.float64) / head_dim).float(),
            persistent=False)

    def forward(self, ids):
        b, t = ids.shape
        x = self.embed_tokens(ids)
        angles = torch.arange(t, dtype=torch.float32)[:, None] * self.inv_freq[None, :]
        table = torch.cat([angles, angles], dim=-1)
        cos, sin = table.cos().to(x.dtype), table.sin().to(x.dtype)
        causal = torch.ones(t, t, dtype=torch.bool).tril()
        for layer in self.layers:
            x = layer(x, cos, sin, causal)
        return F.linear(self.norm(x), self.embed_tokens.weight)


def initialize(model, generator):
    """Hugging Face's scheme as ModelFactory does it: matrices N(0, 0.02^2), norm weights one."""
    with torch.no_grad():
        for name, parameter in model.named_parameters():
            if parameter.dim() == 1:
                parameter.fill_(1.0 if "norm" in name else 0.0)
            else:
                parameter.normal_(0.0, INIT_STD, generator=generator)


def apply_lora(model, generator):
    for parameter in model.parameters():
        parameter.requires_grad_(False)
    for module in list(model.modules()):
        for name in ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"):
            child = getattr(module, name, None)
            if isinstance(child, nn.Linear):
                setattr(module, name, LoraLinear(child, generator))


def flops_per_step(model, vocab_hidden_layers_heads, tokens, seq):
    _, hidden, layers, _ = vocab_hidden_layers_heads
    total = sum(p.numel() for p in model.parameters())
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    attention = 12.0 * layers * hidden * seq
    return total, trainable, (4.0 * (total - trainable) + 6.0 * trainable + attention) * tokens


def peak_rss_bytes():
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("/proc/self/status has no VmHWM line")


def main():
    args = ARGS
    torch.set_num_threads(args.threads)
    torch.set_num_interop_threads(1)
    vocab, hidden, layers, heads, kv_heads, intermediate, batch, seq = PRESETS[args.model]
    generator = torch.Generator().manual_seed(args.seed)
    model = Llama(vocab, hidden, layers, heads, kv_heads, intermediate)
    initialize(model, generator)
    if args.mode == "lora":
        apply_lora(model, generator)
    model.train()
    total, trainable, flops = flops_per_step(model, (vocab, hidden, layers, heads), batch * seq, seq)
    decay = [p for n, p in model.named_parameters() if p.requires_grad and p.dim() >= 2 and "norm" not in n]
    no_decay = [p for n, p in model.named_parameters() if p.requires_grad and not (p.dim() >= 2 and "norm" not in n)]
    groups = [{"params": decay, "weight_decay": WEIGHT_DECAY}]
    if no_decay:
        groups.append({"params": no_decay, "weight_decay": 0.0})
    optimizer = torch.optim.AdamW(groups, lr=LEARNING_RATE, betas=(0.9, 0.999), eps=1e-8)
    trainable_params = [p for p in model.parameters() if p.requires_grad]
    data = torch.Generator().manual_seed(args.seed + 1)
    bf16 = args.precision == "bf16"

    def step():
        ids = torch.randint(0, vocab, (batch, seq), generator=data)
        started = time.perf_counter()
        # bf16: autocast on CPU (fp32 parameters, matmuls in bf16), the idiomatic torch 1.13 mixed precision.
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            logits = model(ids)
        logits = logits.float()
        loss = F.cross_entropy(logits[:, :-1, :].reshape(-1, vocab), ids[:, 1:].reshape(-1), reduction="sum")
        loss = loss / ids[:, 1:].numel()
        forward_done = time.perf_counter()
        loss.backward()
        backward_done = time.perf_counter()
        torch.nn.utils.clip_grad_norm_(trainable_params, MAX_GRAD_NORM)
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        optimizer_done = time.perf_counter()
        return (forward_done - started, backward_done - forward_done, optimizer_done - backward_done, loss.item())

    warm = [step() for _ in range(args.warmup)]
    measured = [step() for _ in range(args.steps)]
    totals = [f + b + o for f, b, o, _ in measured]
    median_step = statistics.median(totals)
    report = {
        "impl": "pytorch-" + torch.__version__,
        "model": args.model,
        "precision": args.precision,
        "mode": args.mode,
        "threads": torch.get_num_threads(),
        "params": total,
        "trainable": trainable,
        "tokens_per_step": batch * seq,
        "flops_per_step": flops,
        "step_s": totals,
        "median_step_s": median_step,
        "median_forward_s": statistics.median(m[0] for m in measured),
        "median_backward_s": statistics.median(m[1] for m in measured),
        "median_optimizer_s": statistics.median(m[2] for m in measured),
        "tokens_per_s": batch * seq / median_step,
        "flops_per_s": flops / median_step,
        "peak_rss_bytes": peak_rss_bytes(),
        "first_loss": (warm or measured)[0][3],
        "last_loss": measured[-1][3],
    }
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
