#!/usr/bin/env python3
"""Reference tokenizers for test/text: train small tokenizers with Hugging Face `tokenizers` on the KJV side of
test/fixtures/text/kjv_rv1909_sample.tsv and record how HF encodes a few sentences with them.

    pip install tokenizers      # any recent version (made with 0.23.2)
    python3 tools/gen_tokenizer_fixtures.py

Writes test/fixtures/text/hf_{bpe,charbpe,wordpiece}.tokenizer.json and hf_encodings.json. The tests load each
tokenizer.json with nabla and check the same ids and decoded text come out, so CI needs no Python.
"""
import json
import os

from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
FIX = os.path.join(ROOT, "test", "fixtures", "text")

with open(os.path.join(FIX, "kjv_rv1909_sample.tsv"), encoding="utf-8") as f:
    pairs = [line.rstrip("\n").split("\t") for line in f if line.strip()]
english = [p[0] for p in pairs]
spanish = [p[1] for p in pairs]
corpus = english + spanish

SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]

SENTENCES = [
    "In the beginning God created the heaven and the earth.",
    "And God said, Let there be light: and there was light.",
    "EN el principio crió Dios los cielos y la tierra.",
    "Unseen words: photosynthesis, xylophone, qwerty!",
    "Numbers 3-4 and 1,000.5; tabs\tand  double  spaces.",
    "Café naïve résumé — “quoted” ‘text’ … ¿Qué? ¡Sí!",
    "中文字符 and 日本語 かな and 한국어 text",
    "Emoji 🎉👍 and math ∑ x² ≠ y",
    "[CLS] special [SEP] tokens [MASK] inline",
    "",
    "   leading and trailing spaces   ",
    "UPPER lower MiXeD",
]


def bpe_byte_level():
    tok = Tokenizer(models.BPE())
    tok.normalizer = normalizers.NFC()
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=700, min_frequency=2, special_tokens=SPECIALS, initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False)
    tok.train_from_iterator(corpus, trainer)
    return tok


def bpe_char():
    tok = Tokenizer(models.BPE(unk_token="[UNK]", end_of_word_suffix="</w>"))
    tok.normalizer = normalizers.Sequence([normalizers.NFKC(), normalizers.Lowercase()])
    tok.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    tok.decoder = decoders.BPEDecoder(suffix="</w>")
    trainer = trainers.BpeTrainer(vocab_size=500, min_frequency=2, special_tokens=SPECIALS, end_of_word_suffix="</w>",
                                  show_progress=False)
    tok.train_from_iterator(corpus, trainer)
    return tok


def wordpiece():
    tok = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tok.normalizer = normalizers.BertNormalizer(lowercase=True)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tok.decoder = decoders.WordPiece()
    trainer = trainers.WordPieceTrainer(vocab_size=600, min_frequency=2, special_tokens=SPECIALS, show_progress=False)
    tok.train_from_iterator(corpus, trainer)
    cls, sep = tok.token_to_id("[CLS]"), tok.token_to_id("[SEP]")
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B:1 [SEP]:1", special_tokens=[("[CLS]", cls), ("[SEP]", sep)])
    return tok


out = {}
for name, make in [("bpe", bpe_byte_level), ("charbpe", bpe_char), ("wordpiece", wordpiece)]:
    tok = make()
    tok.save(os.path.join(FIX, f"hf_{name}.tokenizer.json"), pretty=True)
    cases = []
    for s in SENTENCES:
        enc = tok.encode(s, add_special_tokens=False)
        cases.append({
            "text": s,
            "ids": enc.ids,
            "tokens": enc.tokens,
            "decoded": tok.decode(enc.ids),
        })
    entry = {"cases": cases}
    if name == "wordpiece":
        a, b = SENTENCES[0], SENTENCES[2]
        enc = tok.encode(a, b)
        entry["pair"] = {"a": a, "b": b, "ids": enc.ids, "type_ids": enc.type_ids}
    out[name] = entry

with open(os.path.join(FIX, "hf_encodings.json"), "w", encoding="utf-8") as f:
    json.dump(out, f, ensure_ascii=False, indent=1)
    f.write("\n")
print("wrote", ", ".join(f"hf_{n}.tokenizer.json" for n in out), "and hf_encodings.json")
