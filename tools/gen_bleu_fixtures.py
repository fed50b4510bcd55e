#!/usr/bin/env python3
"""Reference BLEU numbers for test/text/bleu.test.ts, computed with sacreBLEU itself.

    pip install sacrebleu       # made with 2.6.0
    python3 tools/gen_bleu_fixtures.py

Builds a few hundred deterministic (seeded) hypothesis/reference pairs from the KJV side of
test/fixtures/text/kjv_rv1909_sample.tsv: copies, word drops, swaps, substitutions, truncations, punctuation and
case changes, plus strings that exercise every rule of the 13a tokenizer (numbers, dashes, entities, <skipped>,
hyphenated line breaks, Unicode punctuation and spaces). Writes the inputs, the 13a tokenization of every string,
corpus BLEU under several option sets and sentence BLEU of some sentences to test/fixtures/text/bleu.json; the
TypeScript test recomputes all of it without Python.
"""
import json
import os
import random

import sacrebleu
from sacrebleu.metrics import BLEU
from sacrebleu.tokenizers.tokenizer_13a import Tokenizer13a

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
FIX = os.path.join(ROOT, "test", "fixtures", "text")

with open(os.path.join(FIX, "kjv_rv1909_sample.tsv"), encoding="utf-8") as f:
    refs = [line.rstrip("\n").split("\t")[0] for line in f if line.strip()]

rng = random.Random(20240613)
vocabulary = sorted({w for r in refs for w in r.split()})

EXTRA = [
    "It costs $1,000.50 - or 3-4 items at 12.5% off.",
    "Ranges 1990-2000, 10-15 and a-b; version 2.0.1, e.g. this.",
    "Quotes &quot;here&quot; &amp; &lt;tags&gt; stay & plain",
    "Skipped <skipped> words and hyphen-\nated line breaks\nhere.",
    "Brackets [a] {b} (c) <d> and symbols ~ ` ^ | \\ _ @ # * + = /",
    "Unicode: café naïve — “curly” ‘quotes’ … ¿Qué? ¡Sí! 中文，标点。",
    "Non-breaking\u00a0space, ideographic\u3000space, and en\u2002space.",
    "Trailing spaces and tabs\t \t  ",
    "Numbers .5 ,5 5. 5, 5.5 5,5 -5 5-",
    "U.S.A. vs U.K., Mr. Smith's dog's bone.",
    "",
]


def perturb(s: str) -> str:
    words = s.split()
    op = rng.randrange(8)
    if op == 0 or not words:
        return s
    if op == 1:  # drop words
        return " ".join(w for w in words if rng.random() > 0.2)
    if op == 2:  # swap neighbours
        for _ in range(max(1, len(words) // 6)):
            i = rng.randrange(max(1, len(words) - 1))
            if i + 1 < len(words):
                words[i], words[i + 1] = words[i + 1], words[i]
        return " ".join(words)
    if op == 3:  # substitute words
        return " ".join(rng.choice(vocabulary) if rng.random() < 0.25 else w for w in words)
    if op == 4:  # truncate
        return " ".join(words[: max(1, int(len(words) * rng.uniform(0.3, 0.9)))])
    if op == 5:  # punctuation and case
        t = s.replace(",", "").replace(";", ",").replace(":", " -")
        return t.upper() if rng.random() < 0.3 else t.lower()
    if op == 6:  # lengthen
        return s + " " + " ".join(rng.choice(vocabulary) for _ in range(rng.randrange(1, 6)))
    return " ".join(reversed(words))


hyps, ref1, ref2 = [], [], []
for rep in range(2):
    for r in refs:
        hyps.append(perturb(r))
        ref1.append(r)
        ref2.append(perturb(r) if rng.random() < 0.8 else None)
for i, e in enumerate(EXTRA):
    hyps.append(e)
    ref1.append(EXTRA[(i + 1) % len(EXTRA)] if i % 3 == 0 else e.replace(",", " ,"))
    ref2.append(e)
    hyps.append(e.lower())
    ref1.append(e)
    ref2.append(None)

tok = Tokenizer13a()
strings = sorted(set(hyps) | set(ref1) | {r for r in ref2 if r is not None})


def score_dict(b):
    return {
        "score": b.score,
        "counts": [float(c) for c in b.counts],
        "totals": [float(t) for t in b.totals],
        "precisions": b.precisions,
        "bp": b.bp,
        "sys_len": b.sys_len,
        "ref_len": b.ref_len,
    }


def ref2_filled():
    # sacreBLEU allows None for a missing reference only with its Python API; keep it.
    return ref2


corpus_cases = []
for name, kwargs, streams in [
    ("default", {}, [ref1]),
    ("two_refs", {}, [ref1, ref2_filled()]),
    ("lowercase", {"lowercase": True}, [ref1]),
    ("tokenize_none", {"tokenize": "none"}, [ref1]),
    ("smooth_none", {"smooth_method": "none"}, [ref1]),
    ("smooth_floor", {"smooth_method": "floor"}, [ref1]),
    ("smooth_floor_0.5", {"smooth_method": "floor", "smooth_value": 0.5}, [ref1]),
    ("smooth_add_k", {"smooth_method": "add-k"}, [ref1]),
    ("effective_order", {"use_effective_order": True}, [ref1]),
]:
    b = sacrebleu.corpus_bleu(hyps, streams, **kwargs)
    corpus_cases.append({"name": name, "options": kwargs, "refs": "two" if len(streams) == 2 else "one",
                         "result": score_dict(b)})

# Small corpora where smoothing and the brevity penalty matter.
small = [
    ("short_no_4gram", ["the cat sat"], [["the cat sat on the mat"]]),
    ("no_match", ["dog"], [["the cat"]]),
    ("all_empty", ["", ""], [["a b c", "d e"]]),
    ("longer_hyp", ["a b c d e f g h"], [["a b c d"]]),
    ("exact", ["In the beginning God created the heaven and the earth."],
     [["In the beginning God created the heaven and the earth."]]),
]
small_cases = []
for name, h, r in small:
    for smooth in ["exp", "none", "floor", "add-k"]:
        b = sacrebleu.corpus_bleu(h, r, smooth_method=smooth)
        small_cases.append({"name": name, "hyps": h, "refs": r, "smooth_method": smooth, "result": score_dict(b)})

sentence_cases = []
for i in range(0, len(hyps), 7):
    rs = [ref1[i]] + ([ref2[i]] if ref2[i] is not None else [])
    b = sacrebleu.sentence_bleu(hyps[i], rs)
    sentence_cases.append({"hyp": hyps[i], "refs": rs, "result": score_dict(b)})

out = {
    "sacrebleu_version": sacrebleu.__version__,
    "hyps": hyps,
    "ref1": ref1,
    "ref2": ref2,
    "tokenized_13a": {s: tok(s.rstrip()) for s in strings},
    "corpus": corpus_cases,
    "small": small_cases,
    "sentence": sentence_cases,
}
with open(os.path.join(FIX, "bleu.json"), "w", encoding="utf-8") as f:
    json.dump(out, f, ensure_ascii=False, separators=(",", ":"))
    f.write("\n")
print(f"wrote bleu.json: {len(hyps)} pairs, {len(strings)} tokenized strings, "
      f"{len(corpus_cases)} corpus, {len(small_cases)} small and {len(sentence_cases)} sentence cases")
