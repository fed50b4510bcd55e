#!/usr/bin/python3
"""Reference values for BERT's training recipe in nabla, from PyTorch 1.13.

Run with Debian's python3 (not pyenv's python3):

  /usr/bin/python3 tools/gen_bert_train_fixtures.py

writes test/fixtures/bert-train/recipe.json:
  schedule  Hugging Face's get_linear_schedule_with_warmup (its lr_lambda in torch's LambdaLR) on two
            param groups: the lr of each group after construction and after each of 12 steps
  recipe    a small module with BERT's parameter names (dense, LayerNorm, decoder) trained 6 updates
            by AdamW with HF's two param groups (weight decay 0.01, none on biases and LayerNorm
            weights), the linear warm-up schedule, gradient clipping at norm 1 and 2 micro-batches of
            gradient accumulation per update; the initial and final parameters, the losses and lrs

transformers is not needed: its lr_lambda and parameter grouping are three lines, copied below.
"""
import json
import os

import torch
import torch.nn as nn
import torch.nn.functional as F

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, 'test', 'fixtures', 'bert-train')


def get_linear_schedule_with_warmup(optimizer, num_warmup_steps, num_training_steps):
    """transformers.optimization.get_linear_schedule_with_warmup (4.x)."""
    def lr_lambda(current_step):
        if current_step < num_warmup_steps:
            return float(current_step) / float(max(1, num_warmup_steps))
        return max(0.0, float(num_training_steps - current_step) / float(max(1, num_training_steps - num_warmup_steps)))
    return torch.optim.lr_scheduler.LambdaLR(optimizer, lr_lambda)


def schedule_case():
    p0, p1 = torch.zeros(2, requires_grad=True), torch.zeros(3, requires_grad=True)
    opt = torch.optim.SGD([{'params': [p0], 'lr': 0.1}, {'params': [p1], 'lr': 0.05}])
    sched = get_linear_schedule_with_warmup(opt, 3, 10)
    lrs = [sched.get_last_lr()]
    for _ in range(12):
        opt.step()
        sched.step()
        lrs.append(sched.get_last_lr())
    return {'group_lrs': [0.1, 0.05], 'warmup_steps': 3, 'total_steps': 10, 'lrs': lrs}


class Small(nn.Module):
    def __init__(self):
        super().__init__()
        self.dense = nn.Linear(4, 6)
        self.LayerNorm = nn.LayerNorm(6)
        self.decoder = nn.Linear(6, 5)

    def forward(self, x):
        return self.decoder(self.LayerNorm(F.gelu(self.dense(x))))


def recipe_case():
    torch.manual_seed(0)
    model = Small()
    initial = {k: v.detach().clone() for k, v in model.state_dict().items()}
    # HF's examples (run_mlm_no_trainer.py): no decay on biases and LayerNorm weights.
    no_decay = ['bias', 'LayerNorm.weight']
    groups = [
        {'params': [p for n, p in model.named_parameters() if not any(nd in n for nd in no_decay)], 'weight_decay': 0.01},
        {'params': [p for n, p in model.named_parameters() if any(nd in n for nd in no_decay)], 'weight_decay': 0.0},
    ]
    updates, accumulation, lr = 6, 2, 0.05
    opt = torch.optim.AdamW(groups, lr=lr)
    sched = get_linear_schedule_with_warmup(opt, 2, updates)
    x = torch.randn(updates * accumulation, 3, 4)
    y = torch.randint(0, 5, (updates * accumulation, 3))
    losses, lrs, norms = [], [], []
    for u in range(updates):
        opt.zero_grad()
        total = 0.0
        for m in range(accumulation):
            i = u * accumulation + m
            loss = F.cross_entropy(model(x[i]), y[i]) / accumulation
            loss.backward()
            total += loss.item()
        norms.append(torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0).item())
        opt.step()
        sched.step()
        losses.append(total)
        lrs.append(sched.get_last_lr())
    return {
        'updates': updates, 'accumulation': accumulation, 'lr': lr, 'warmup_steps': 2, 'max_norm': 1.0,
        'x': x.tolist(), 'y': y.tolist(),
        'initial': {k: v.tolist() for k, v in initial.items()},
        'final': {k: v.tolist() for k, v in model.state_dict().items()},
        'decay_names': [n for n, _ in model.named_parameters() if not any(nd in n for nd in no_decay)],
        'losses': losses, 'lrs': lrs, 'grad_norms': norms,
    }


def main():
    os.makedirs(OUT, exist_ok=True)
    out = {'torch_version': torch.__version__, 'schedule': schedule_case(), 'recipe': recipe_case()}
    with open(os.path.join(OUT, 'recipe.json'), 'w') as f:
        json.dump(out, f)
    print('wrote', os.path.join(OUT, 'recipe.json'))


if __name__ == '__main__':
    main()
