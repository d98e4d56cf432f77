#!/usr/bin/env python3
"""Generates the quickstart's data (deterministic; the outputs are committed, so running this is optional).

corpus.jsonl     completion rows {"text"}: simple English sentences, the base model's pre-training text
retention.jsonl  chat rows (the fine-tune's format) whose answers are corpus-style text: what the fine-tune must not forget
reviews-*.jsonl  chat rows {"messages"}: short product reviews, the assistant answers positive or negative
replay.jsonl     chat rows like retention.jsonl but other paragraphs: general data mixed into the fine-tune so the
                 model keeps its general text while it learns the task (retention.jsonl stays held out)
"""
import json
import random
from pathlib import Path

rng = random.Random(7)
here = Path(__file__).parent

people = ["the farmer", "my sister", "a student", "the old man", "our teacher", "the baker", "a child", "the driver"]
verbs = ["carried", "painted", "found", "cleaned", "sold", "opened", "watched", "moved"]
things = ["the box", "a red door", "the small boat", "an old book", "the window", "a green chair", "the bread", "a letter"]
places = ["in the garden", "near the river", "at the market", "in the kitchen", "on the hill", "by the road"]
times = ["in the morning", "after lunch", "at night", "on sunday", "before the rain", "every day"]


def sentence():
    parts = [rng.choice(people), rng.choice(verbs), rng.choice(things), rng.choice(places)]
    if rng.random() < 0.5:
        parts.append(rng.choice(times))
    return " ".join(parts).capitalize() + "."


def paragraph():
    return " ".join(sentence() for _ in range(rng.randint(2, 4)))


positive = ["great", "excellent", "lovely", "perfect", "wonderful", "reliable", "comfortable", "sturdy"]
negative = ["terrible", "awful", "broken", "useless", "flimsy", "disappointing", "noisy", "cheap"]
products = ["lamp", "kettle", "backpack", "chair", "phone case", "blender", "jacket", "desk", "headset", "clock"]
openers = ["The {p} is {a}.", "This {p} feels {a}.", "I bought a {p} and it is {a}.", "Our new {p} turned out {a}."]
closers = ["I use it every day.", "It arrived on time.", "The colour is blue.", "My friend has one too.", ""]


def review():
    label = rng.choice(["positive", "negative"])
    words = positive if label == "positive" else negative
    text = rng.choice(openers).format(p=rng.choice(products), a=rng.choice(words))
    # The verdict closes the review, so it sits right before the question a tiny model must answer.
    closer = rng.choice(closers)
    review_text = f"{closer} {text}".strip()
    return {"messages": [{"role": "user", "content": f"Review: {review_text} Positive or negative?"},
                         {"role": "assistant", "content": label}]}


def write(name, rows):
    with open(here / name, "w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row) + "\n")


write("corpus.jsonl", [{"text": paragraph()} for _ in range(1200)])
write("retention.jsonl", [{"messages": [{"role": "user", "content": "Tell me what happened."},
                                        {"role": "assistant", "content": paragraph()}]} for _ in range(64)])
write("reviews-train.jsonl", [review() for _ in range(600)])
write("reviews-validation.jsonl", [review() for _ in range(64)])
write("replay.jsonl", [{"messages": [{"role": "user", "content": "Tell me what happened."},
                                     {"role": "assistant", "content": paragraph()}]} for _ in range(200)])
