#!/usr/bin/python3
"""PyTorch twin of bench/translate.ts: target tokens/s of `nabla train translate`'s training step.

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE /usr/bin/python3 tools/bench_translate.py --threads 1 --rounds 1

The model is the command's default Seq2SeqTransformer (src/models/translator-model.ts, PyTorch's
"Language translation with nn.Transformer" tutorial): two 4000-token vocabularies, d_model 128,
4 heads, 2 + 2 pre-norm layers, feed-forward 256, dropout 0.1, token embeddings scaled by sqrt(128)
plus sinusoids (with dropout), key-padding masks from [PAD]=0 and the causal target mask. The step
is the command's: decoder states of the non-pad target positions only through the generator,
cross-entropy with label smoothing 0.1 ignoring [PAD], backward, clip_grad_norm_(1.0), Adam
(lr 5e-3, betas 0.9/0.98, eps 1e-9) and a LambdaLR step. Timing only: the batches are the
deterministic shapes of bench/translate.ts's `batchShapes` (32 pairs each, lengths 10-38 with
ragged padding) with random ids. Prints one JSON line: {"system", "tokens", "seconds": [one per round]}.
"""
import argparse
import json
import math
import os
import sys
import time

ap = argparse.ArgumentParser()
ap.add_argument('--threads', type=int, default=1)
ap.add_argument('--rounds', type=int, default=1, help='timed passes over the batch shapes (after one warm-up batch)')
args = ap.parse_args()
# OpenBLAS's pthread build sizes its own pool from this, before torch loads it
os.environ['OPENBLAS_NUM_THREADS'] = str(args.threads)
import torch  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_peer import system_name  # noqa: E402
from torch import nn  # noqa: E402

VOCAB, D_MODEL, NHEAD, LAYERS, FF, DROPOUT, MAX_LEN = 4000, 128, 4, 2, 256, 0.1, 64
PAD, BOS, EOS = 0, 2, 3
BATCH = 32
LENGTHS = [10, 14, 18, 22, 26, 30, 34, 38]


def batch_shapes():
    """(source lengths with [EOS], target lengths without specials) of each batch: bench/translate.ts's batchShapes."""
    return [([length - (i * 7) % 5 for i in range(BATCH)], [length - 1 - (i * 5) % 6 for i in range(BATCH)]) for length in LENGTHS]


def sinusoids(max_len, d):
    pos = torch.arange(max_len, dtype=torch.float64).unsqueeze(1)
    div = torch.exp(torch.arange(0, d, 2, dtype=torch.float64) * (-math.log(10000.0) / d))
    pe = torch.zeros(max_len, d, dtype=torch.float64)
    pe[:, 0::2] = torch.sin(pos * div)
    pe[:, 1::2] = torch.cos(pos * div)
    return pe.float()


class Seq2SeqTransformer(nn.Module):
    def __init__(self):
        super().__init__()
        self.transformer = nn.Transformer(D_MODEL, NHEAD, LAYERS, LAYERS, FF, DROPOUT, batch_first=True, norm_first=True)
        self.generator = nn.Linear(D_MODEL, VOCAB)
        self.src_tok_emb = nn.Embedding(VOCAB, D_MODEL, padding_idx=PAD)
        self.tgt_tok_emb = nn.Embedding(VOCAB, D_MODEL, padding_idx=PAD)
        self.register_buffer('pe', sinusoids(MAX_LEN + 2, D_MODEL))
        self.pe_dropout = nn.Dropout(DROPOUT)
        self.scale = math.sqrt(D_MODEL)

    def embed(self, emb, ids):
        return self.pe_dropout(emb(ids) * self.scale + self.pe[:ids.shape[1]])

    def hidden(self, src, tgt_in):
        src_pad, tgt_pad = src.eq(PAD), tgt_in.eq(PAD)
        causal = nn.Transformer.generate_square_subsequent_mask(tgt_in.shape[1])
        return self.transformer(self.embed(self.src_tok_emb, src), self.embed(self.tgt_tok_emb, tgt_in), tgt_mask=causal,
                                src_key_padding_mask=src_pad, tgt_key_padding_mask=tgt_pad, memory_key_padding_mask=src_pad)


def make_batch(g, src_lens, tgt_lens):
    width_s, width_t = max(src_lens), max(tgt_lens) + 1
    src = torch.full((BATCH, width_s), PAD, dtype=torch.long)
    tgt_in = torch.full((BATCH, width_t), PAD, dtype=torch.long)
    tgt_out = torch.full((BATCH, width_t), PAD, dtype=torch.long)
    for i, (s, t) in enumerate(zip(src_lens, tgt_lens)):
        src[i, :s - 1] = torch.randint(4, VOCAB, (s - 1,), generator=g)
        src[i, s - 1] = EOS
        y = torch.randint(4, VOCAB, (t,), generator=g)
        tgt_in[i, 0] = BOS
        tgt_in[i, 1:t + 1] = y
        tgt_out[i, :t] = y
        tgt_out[i, t] = EOS
    return src, tgt_in, tgt_out, sum(tgt_lens) + BATCH


def main():
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    model = Seq2SeqTransformer()
    model.train()
    criterion = nn.CrossEntropyLoss(ignore_index=PAD, label_smoothing=0.1)
    optimizer = torch.optim.Adam(model.parameters(), lr=5e-3, betas=(0.9, 0.98), eps=1e-9)
    warmup = 30
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda s: min((s + 1) / warmup, math.sqrt(warmup / (s + 1))))
    g = torch.Generator().manual_seed(0)
    batches = [make_batch(g, s, t) for s, t in batch_shapes()]

    def step(batch):
        src, tgt_in, tgt_out, _ = batch
        h = model.hidden(src, tgt_in).reshape(-1, D_MODEL)
        keep = (tgt_out.reshape(-1) != PAD).nonzero().squeeze(1)
        loss = criterion(model.generator(h.index_select(0, keep)), tgt_out.reshape(-1).index_select(0, keep))
        value = loss.item()
        optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        scheduler.step()
        return value

    step(batches[0])
    seconds = []
    for _ in range(args.rounds):
        t0 = time.perf_counter()
        for b in batches:
            step(b)
        seconds.append(time.perf_counter() - t0)
    system = system_name(torch, args.threads)
    print(json.dumps({'system': system, 'tokens': sum(b[3] for b in batches), 'seconds': seconds}))


if __name__ == '__main__':
    main()
