#!/usr/bin/python3
"""PyTorch twin of bench/bert.ts: seconds per BERT pretraining update.

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE /usr/bin/python3 tools/bench_bert.py --config tiny --threads 1

The model is tools/bert_reference.py's BertForPreTraining (transformers' modeling_bert.py), preset
tiny (L2/H128/A2/I512) or mini (L4/H256/A4/I1024), vocab 30522. The update is nabla's: the encoder,
the masked-LM head on the hidden states of the masked positions only (gathered first, as
google-research/bert does), the NSP head, loss = MLM + NSP, backward, clip_grad_norm_(1.0), AdamW
(lr 1e-4, weight decay 0.01 except biases and LayerNorm weights), the linear warm-up schedule.
Random token pairs, every position real, `--masked` masked positions per sequence. Prints one JSON
line: {"system", "seconds"} (median seconds per update after one warm-up update).
"""
import argparse
import json
import os
import sys
import time

ap = argparse.ArgumentParser()
ap.add_argument('--config', choices=['tiny', 'mini'], default='tiny')
ap.add_argument('--threads', type=int, default=1)
ap.add_argument('--steps', type=int, default=3, help='timed updates (after one warm-up update)')
ap.add_argument('--batch', type=int, default=32)
ap.add_argument('--seq', type=int, default=128)
ap.add_argument('--masked', type=int, default=20, help='masked positions per sequence')
args = ap.parse_args()
# OpenBLAS's pthread build sizes its own pool from this, before torch loads it
os.environ['OPENBLAS_NUM_THREADS'] = str(args.threads)
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bert_reference as br  # noqa: E402
from bench_peer import system_name  # noqa: E402



PRESETS = {'tiny': (2, 128, 2, 512), 'mini': (4, 256, 4, 1024)}


def linear_warmup(optimizer, warmup, total):
    return torch.optim.lr_scheduler.LambdaLR(optimizer, lambda s: s / max(1, warmup) if s < warmup else max(0.0, (total - s) / max(1, total - warmup)))


def main():
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    layers, hidden, heads, inter = PRESETS[args.config]
    config = br.BertConfig(num_hidden_layers=layers, hidden_size=hidden, num_attention_heads=heads, intermediate_size=inter)
    model = br.BertForPreTraining(config)
    model.train()
    no_decay = ['bias', 'LayerNorm.weight']
    groups = [
        {'params': [p for n, p in model.named_parameters() if not any(nd in n for nd in no_decay)], 'weight_decay': 0.01},
        {'params': [p for n, p in model.named_parameters() if any(nd in n for nd in no_decay)], 'weight_decay': 0.0},
    ]
    opt = torch.optim.AdamW(groups, lr=1e-4, eps=1e-8)
    sched = linear_warmup(opt, 100, 10000)
    b, s = args.batch, args.seq
    ids = torch.randint(1000, config.vocab_size, (b, s))
    types = (torch.arange(s) >= s // 2).long().expand(b, s)
    mask = torch.ones(b, s, dtype=torch.long)
    labels = torch.full((b, s), -100)
    for k in range(args.masked):
        i = 1 + (k * (s - 2)) // args.masked
        labels[:, i] = ids[:, i]
        ids[:, i] = 103
    next_label = torch.randint(0, 2, (b,))
    positions = (labels.reshape(-1) != -100).nonzero().squeeze(1)
    targets = labels.reshape(-1)[positions]

    def update():
        opt.zero_grad()
        out = model.bert(ids, attention_mask=mask, token_type_ids=types)
        hidden_states = out.last_hidden_state.reshape(-1, hidden)[positions]
        mlm = F.cross_entropy(model.cls.predictions(hidden_states), targets)
        nsp = F.cross_entropy(model.cls.seq_relationship(out.pooler_output), next_label)
        (mlm + nsp).backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()

    update()
    times = []
    for _ in range(args.steps):
        t0 = time.perf_counter()
        update()
        times.append(time.perf_counter() - t0)
    times.sort()
    print(json.dumps({'system': system_name(torch, args.threads), 'seconds': times[len(times) // 2]}))


if __name__ == '__main__':
    main()
