#!/usr/bin/python3
"""The PyTorch twin of a `nabla train bert` run: the same initial weights, the same masked batches in
the same order, the same update rule, and PyTorch's MLM loss printed beside nabla's.

    npx nabla train bert --corpus sotu --config tiny --vocab train:8000 --steps 300 --dropout 0 \\
        --export-batches runs/twin --out runs/twin/model
    /usr/bin/python3 tools/bert_pretrain_twin.py runs/twin [--every 25] [--threads 2] [--weights]

DIR holds what nabla wrote: initial/ (config.json + model.safetensors before the first update),
batches.safetensors (micro-batch k as k.input_ids, k.token_type_ids, k.attention_mask, k.labels,
k.next_sentence_label) and nabla.json (the settings and nabla's losses per update). The model is
tools/bert_reference.py's BertForPreTraining (transformers' modeling_bert.py); each update is nabla's:
MLM cross-entropy over the masked positions (the hidden states gathered before cls.predictions, which
gives transformers' full-logits loss) + NSP cross-entropy, gradients averaged over the micro-batches,
clip_grad_norm_(1.0), AdamW (weight decay on all but biases and LayerNorm weights), HF's linear
warm-up + decay. Run nabla with --dropout 0: dropout's random numbers are not shared, so with dropout
the two runs differ by more than float rounding.
"""
import argparse
import json
import os
import sys

ap = argparse.ArgumentParser()
ap.add_argument('dir')
ap.add_argument('--every', type=int, default=25, help='print every N updates')
ap.add_argument('--threads', type=int, default=1)
ap.add_argument('--weights', action='store_true', help="after the last update, compare every parameter with nabla's final model in DIR/model")
args = ap.parse_args()
os.environ['OPENBLAS_NUM_THREADS'] = str(args.threads)
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bert_reference as br  # noqa: E402
from safetensors_check import load as load_safetensors  # noqa: E402


def main():
    torch.set_num_threads(args.threads)
    with open(os.path.join(args.dir, 'nabla.json')) as f:
        run = json.load(f)
    model = br.from_pretrained(br.BertForPreTraining, os.path.join(args.dir, 'initial'))
    config = model.config
    if config.hidden_dropout_prob or config.attention_probs_dropout_prob:
        print(f'note: dropout {config.hidden_dropout_prob}/{config.attention_probs_dropout_prob}: the runs differ by dropout\'s random numbers (use --dropout 0)', file=sys.stderr)
    model.train()
    tensors, _, _ = load_safetensors(os.path.join(args.dir, 'batches.safetensors'))
    batches = [{k: tensors[f'{i}.{k}'].long() for k in ('input_ids', 'token_type_ids', 'attention_mask', 'labels', 'next_sentence_label')} for i in range(run['microBatches'])]
    no_decay = ['bias', 'LayerNorm.weight']
    groups = [
        {'params': [p for n, p in model.named_parameters() if not any(nd in n for nd in no_decay)], 'weight_decay': run['weightDecay']},
        {'params': [p for n, p in model.named_parameters() if any(nd in n for nd in no_decay)], 'weight_decay': 0.0},
    ]
    opt = torch.optim.AdamW(groups, lr=run['lr'], eps=run['eps'])
    warmup, total = run['warmup'], run['steps']
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: s / max(1, warmup) if s < warmup else max(0.0, (total - s) / max(1, total - warmup)))
    hidden = config.hidden_size
    accumulate = run['accumulate']
    rows = []
    print(f'{"update":>6}  {"nabla MLM":>10}  {"PyTorch MLM":>11}  {"diff":>9}  {"nabla NSP":>9}  {"PyTorch NSP":>11}')
    for u, want in enumerate(run['losses']):
        opt.zero_grad()
        mlm_sum = nsp_sum = 0.0
        for b in batches[u * accumulate:(u + 1) * accumulate]:
            out = model.bert(b['input_ids'], attention_mask=b['attention_mask'], token_type_ids=b['token_type_ids'])
            flat = b['labels'].reshape(-1)
            positions = (flat != -100).nonzero().squeeze(1)
            mlm = F.cross_entropy(model.cls.predictions(out.last_hidden_state.reshape(-1, hidden)[positions]), flat[positions])
            nsp = F.cross_entropy(model.cls.seq_relationship(out.pooler_output), b['next_sentence_label'])
            ((mlm + nsp) / accumulate).backward()
            mlm_sum += mlm.item()
            nsp_sum += nsp.item()
        torch.nn.utils.clip_grad_norm_(model.parameters(), run['maxGradNorm'])
        opt.step()
        sched.step()
        row = {'step': want['step'], 'nablaMlmLoss': want['mlmLoss'], 'torchMlmLoss': mlm_sum / accumulate, 'nablaNspLoss': want['nspLoss'], 'torchNspLoss': nsp_sum / accumulate}
        rows.append(row)
        if want['step'] % args.every == 0 or u == 0 or u == len(run['losses']) - 1:
            print(f'{row["step"]:>6}  {row["nablaMlmLoss"]:>10.4f}  {row["torchMlmLoss"]:>11.4f}  {row["torchMlmLoss"] - row["nablaMlmLoss"]:>+9.4f}  {row["nablaNspLoss"]:>9.4f}  {row["torchNspLoss"]:>11.4f}')
    if args.weights:
        compare_weights(model, os.path.join(args.dir, 'model', 'model.safetensors'))
    worst = max(abs(r['torchMlmLoss'] - r['nablaMlmLoss']) for r in rows)
    last = rows[-1]
    print(json.dumps({'updates': len(rows), 'maxAbsMlmLossDiff': worst, 'nablaMlmLoss': last['nablaMlmLoss'], 'torchMlmLoss': last['torchMlmLoss']}))


def compare_weights(model, path):
    """Prints, per parameter, the largest difference and both norms: float rounding grows with the updates, a bug shows as one tensor far off."""
    theirs, _, _ = load_safetensors(path)
    print(f'{"parameter":<58}  {"max |diff|":>10}  {"PyTorch norm":>12}  {"nabla norm":>10}')
    for name, value in model.state_dict().items():
        if name not in theirs:
            continue
        mine = value.detach().float()
        print(f'{name:<58}  {(mine - theirs[name]).abs().max().item():>10.2e}  {mine.norm().item():>12.4f}  {theirs[name].norm().item():>10.4f}')


if __name__ == '__main__':
    main()
