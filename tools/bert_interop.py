#!/usr/bin/python3
"""BERT directories between nabla and PyTorch (tools/bert_reference.py, transformers' modeling_bert.py ported).

    bert_interop.py check DIR [DIR ...]
        Each DIR was written by nabla's savePretrained, with DIR/nabla_io.safetensors holding the inputs
        (input_ids, attention_mask, token_type_ids) and nabla's outputs (out.<name>, transformers'
        names). Loads DIR strictly into the class named by config.json's "architectures" (every key
        present, none left over, the tied decoder copies as transformers leaves them out), runs it and
        prints the largest difference per output as JSON lines; exits 1 if any exceeds 1e-4.

    bert_interop.py export CLASS DIR [SEED]
        Writes DIR as transformers' save_pretrained does (config.json, model.safetensors without the
        tied copies, metadata {"format": "pt"}) plus a vocab.txt, for a tiny randomly initialised CLASS,
        and DIR/reference_io.safetensors with a batch of inputs and the model's outputs.

    bert_interop.py export-all ROOT [SEED]
        The same for every class, into ROOT/<CLASS> (one Python start for all of them).

Debian has no python3-safetensors; tools/safetensors_check.py reads and writes the format.
"""
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bert_reference as br  # noqa: E402
from safetensors_check import load, save  # noqa: E402

TOLERANCE = 1e-4
TINY = dict(vocab_size=30, hidden_size=8, num_hidden_layers=1, num_attention_heads=2, intermediate_size=12,
            max_position_embeddings=16, hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0)
VOCAB = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', 'the', 'a', 'cat', 'dog', 'sat', 'ran', 'on', 'mat', 'big', 'red',
         'and', 'is', 'was', 'it', 'to', '##s', '##ed', '##ing', '.', ',', 'hello', 'world', 'bert', 'model', 'course']
OUTPUTS = ('last_hidden_state', 'pooler_output', 'prediction_logits', 'seq_relationship_logits', 'logits', 'start_logits', 'end_logits')


def run(model, io):
    model.eval()
    with torch.no_grad():
        out = model(io['input_ids'].long(), attention_mask=io['attention_mask'].long(), token_type_ids=io['token_type_ids'].long())
    return {k: out[k] for k in OUTPUTS if out.get(k) is not None}


def check(directory):
    with open(os.path.join(directory, 'config.json'), encoding='utf-8') as f:
        name = json.load(f)['architectures'][0]
    model = br.from_pretrained(br.HEADS[name], directory, strict=True)
    io, _, _ = load(os.path.join(directory, 'nabla_io.safetensors'))
    ours = run(model, io)
    diffs = {}
    for k, v in ours.items():
        theirs = io.get('out.' + k)
        if theirs is None:
            sys.exit(f'{name}: nabla_io.safetensors has no out.{k}')
        if list(theirs.shape) != list(v.shape):
            sys.exit(f'{name} {k}: nabla shape {list(theirs.shape)}, PyTorch shape {list(v.shape)}')
        diffs[k] = (theirs.float() - v.float()).abs().max().item()
    print(json.dumps({'class': name, 'max_abs_diff': diffs}))
    return bool(diffs) and max(diffs.values()) <= TOLERANCE


def export(name, directory, seed=0):
    torch.manual_seed(seed)
    config = br.BertConfig(**TINY, num_labels=3 if name == 'BertForTokenClassification' else 2)
    config.use_cache = True  # a field nabla does not use, kept and written back
    model = br.HEADS[name](config)
    with torch.no_grad():  # LayerNorms away from 1/0 and a non-zero MLM bias, so every tensor matters
        for key, p in model.named_parameters():
            if key.endswith('LayerNorm.weight') or key.endswith('.bias'):
                p.add_(0.1 * torch.randn(p.shape))
    br.save_pretrained(model, directory)
    with open(os.path.join(directory, 'vocab.txt'), 'w', encoding='utf-8') as f:
        f.write('\n'.join(VOCAB) + '\n')
    ids = torch.tensor([[2, 5, 7, 9, 11, 5, 12, 3], [2, 25, 26, 3, 18, 16, 3, 0]])
    io = {'input_ids': ids.int(), 'attention_mask': (ids != 0).int(),
          'token_type_ids': torch.tensor([[0] * 8, [0, 0, 0, 0, 1, 1, 1, 0]]).int()}
    for k, v in run(model, io).items():
        io['out.' + k] = v.float().contiguous()
    save(io, {'class': name, 'seed': str(seed)}, os.path.join(directory, 'reference_io.safetensors'))


def main(argv):
    if len(argv) >= 3 and argv[1] == 'check':
        results = [check(d) for d in argv[2:]]
        if not all(results):
            sys.exit(1)
    elif len(argv) in (4, 5) and argv[1] == 'export' and argv[2] in br.HEADS:
        export(argv[2], argv[3], int(argv[4]) if len(argv) == 5 else 0)
    elif len(argv) in (3, 4) and argv[1] == 'export-all':
        for name in br.HEADS:
            export(name, os.path.join(argv[2], name), int(argv[3]) if len(argv) == 4 else 0)
    else:
        sys.exit(f'usage: {argv[0]} check DIR [DIR ...] | export {"|".join(br.HEADS)} DIR [SEED] | export-all ROOT [SEED]')


if __name__ == '__main__':
    main(sys.argv)
