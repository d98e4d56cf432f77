#!/usr/bin/python3
"""Runs an exported model, and optionally a PEFT adapter on top, in plain PyTorch and prints the logits as JSON.

The files are read the way reference tooling reads them, independently of the C# code: a minimal safetensors reader
(8-byte little-endian header length, JSON header, torch.frombuffer over each tensor's data_offsets), config.json for
the sizes, the PyTorch Llama of bench/pytorch/llama_bench.py for the forward pass, and adapter_config.json
(r, lora_alpha) with PEFT's key names for the adapter, applied as PEFT's LoRA forward: base(x) + B(A(x)) * alpha / r.

Usage: hf_reference.py REPO_ROOT MODEL_DIR ADAPTER_DIR|- IDS   (IDS: comma-separated token ids)
Prints {"vocab": V, "base": [...], "adapted": [...] or null, "tensors": {name: [dtype, shape, offsets]}}.
"""
import json
import os
import struct
import sys

root, model_dir, adapter_dir, ids_text = sys.argv[1:5]
# llama_bench parses its command line when imported: give it a neutral one.
sys.argv = ["llama_bench.py", "--threads", "1"]
sys.path.insert(0, os.path.join(root, "bench", "pytorch"))
import llama_bench  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402

DTYPES = {
    "F64": torch.float64, "F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16,
    "I64": torch.int64, "I32": torch.int32, "I16": torch.int16, "I8": torch.int8, "U8": torch.uint8, "BOOL": torch.bool,
}


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (length,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + length].decode("utf-8"))
    header.pop("__metadata__", None)
    start = 8 + length
    tensors, layout = {}, {}
    for name, info in header.items():
        begin, end = info["data_offsets"]
        dtype = DTYPES[info["dtype"]]
        expected = torch.empty(info["shape"], dtype=dtype).element_size()
        for size in info["shape"]:
            expected *= size
        if end - begin != expected or start + end > len(data):
            raise ValueError(f"{path}: {name} has data_offsets {info['data_offsets']} that do not fit {info['shape']}")
        tensors[name] = torch.frombuffer(bytearray(data[start + begin:start + end]), dtype=dtype).reshape(info["shape"])
        layout[name] = [info["dtype"], info["shape"], info["data_offsets"]]
    return tensors, layout


class PeftLora(nn.Module):
    def __init__(self, base, a, b, scaling):
        super().__init__()
        self.base, self.a, self.b, self.scaling = base, a, b, scaling

    def forward(self, x):
        return self.base(x) + (x @ self.a.t()) @ self.b.t() * self.scaling


def main():
    with open(os.path.join(model_dir, "config.json"), encoding="utf-8") as f:
        config = json.load(f)
    if config["model_type"] != "llama" or not config.get("tie_word_embeddings", False):
        raise SystemExit("the reference model is a Llama with tied embeddings")
    llama_bench.NORM_EPS = config["rms_norm_eps"]
    llama_bench.ROPE_THETA = config.get("rope_theta", 10000.0)
    heads = config["num_attention_heads"]
    model = llama_bench.Llama(
        config["vocab_size"], config["hidden_size"], config["num_hidden_layers"], heads,
        config.get("num_key_value_heads", heads), config["intermediate_size"])
    weights, layout = read_safetensors(os.path.join(model_dir, "model.safetensors"))
    state = {name[len("model."):] if name.startswith("model.") else name: value for name, value in weights.items()}
    model.load_state_dict(state, strict=True)
    model.eval()
    ids = torch.tensor([[int(i) for i in ids_text.split(",")]], dtype=torch.int64)
    with torch.no_grad():
        base = model(ids)[0]
    adapted = None
    adapter_layout = None
    if adapter_dir != "-":
        with open(os.path.join(adapter_dir, "adapter_config.json"), encoding="utf-8") as f:
            adapter = json.load(f)
        scaling = adapter["lora_alpha"] / adapter["r"]
        tensors, adapter_layout = read_safetensors(os.path.join(adapter_dir, "adapter_model.safetensors"))
        prefix = "base_model.model."
        for name in sorted(n for n in tensors if n.endswith(".lora_A.weight")):
            path = name[len(prefix):-len(".lora_A.weight")]
            module_path = path[len("model."):] if path.startswith("model.") else path
            parent_path, _, child = module_path.rpartition(".")
            parent = model.get_submodule(parent_path)
            a = tensors[name]
            b = tensors[name.replace(".lora_A.weight", ".lora_B.weight")]
            setattr(parent, child, PeftLora(getattr(parent, child), a, b, scaling))
        with torch.no_grad():
            adapted = model(ids)[0].reshape(-1).tolist()
    print(json.dumps({
        "vocab": config["vocab_size"],
        "base": base.reshape(-1).tolist(),
        "adapted": adapted,
        "tensors": layout,
        "adapterTensors": adapter_layout,
    }))


main()
