#!/usr/bin/python3
"""PyTorch twin of bench/transformer.ts: tokens/s of one Transformer-encoder training step.

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE /usr/bin/python3 tools/bench_transformer.py --threads 1

Model and step as the nabla bench: nn.Embedding(5000, 128) -> nn.TransformerEncoderLayer(128, 4,
dim_feedforward=512, dropout=0.1, batch_first=True) -> nn.Linear(128, 5000); cross-entropy on
random next-token targets; Adam(lr=1e-3). Batch 32 x 64 tokens. Prints one JSON line:
{"system", "seconds": [one per timed step]} (bench/transformer.ts runs it once per round and takes
the median over the rounds' steps).
"""
import argparse
import json
import os
import sys
import time

ap = argparse.ArgumentParser()
ap.add_argument('--threads', type=int, default=1)
ap.add_argument('--steps', type=int, default=5, help='timed steps (after 2 warm-up steps)')
ap.add_argument('--batch', type=int, default=32)
ap.add_argument('--seq', type=int, default=64)
args = ap.parse_args()
# OpenBLAS's pthread build sizes its own pool from this, before torch loads it
os.environ['OPENBLAS_NUM_THREADS'] = str(args.threads)
import torch  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_peer import system_name  # noqa: E402


def main():
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    vocab, d_model, nhead, ff = 5000, 128, 4, 512
    emb = torch.nn.Embedding(vocab, d_model)
    layer = torch.nn.TransformerEncoderLayer(d_model, nhead, ff, 0.1, batch_first=True)
    head = torch.nn.Linear(d_model, vocab)
    params = [*emb.parameters(), *layer.parameters(), *head.parameters()]
    opt = torch.optim.Adam(params, lr=1e-3)
    tokens = torch.randint(0, vocab, (args.batch, args.seq))
    targets = torch.randint(0, vocab, (args.batch, args.seq))

    def step():
        opt.zero_grad()
        logits = head(layer(emb(tokens)))
        loss = torch.nn.functional.cross_entropy(logits.reshape(-1, vocab), targets.reshape(-1))
        loss.backward()
        opt.step()
        return loss.item()

    for _ in range(2):
        step()
    times = []
    for _ in range(args.steps):
        t0 = time.perf_counter()
        step()
        times.append(time.perf_counter() - t0)
    system = system_name(torch, args.threads)
    print(json.dumps({'system': system, 'seconds': times}))


if __name__ == '__main__':
    main()
