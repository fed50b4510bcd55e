#!/usr/bin/python3
"""PyTorch parity fixtures for nabla's BERT: test/fixtures/bert/parity.safetensors.

    /usr/bin/python3 tools/gen_bert_fixtures.py

The model is tools/bert_reference.py (transformers' modeling_bert.py ported to plain PyTorch) with a
tiny config (vocab 99, hidden 32, 2 layers, 4 heads, intermediate 37, 64 positions, dropout 0) and
one batch of three sequences with padding and two segments. Every head reads the same encoder and
masked-LM weights; each head's own layer is stored under its case.

Tensors (float32 unless said):
  input_ids, attention_mask, token_type_ids     int32 [3, 7]
  state.<key>                   BertForPreTraining's weights (the tied decoder copies left out)
  model.hidden_states.<i>       BertModel: the embeddings (0) and each layer's output [3, 7, 32]
  model.attentions.<i>          each layer's attention probabilities [3, 4, 7, 7]
  model.pooler_output           [3, 32]
  act.<name>.last_hidden_state  the same weights with hidden_act <name> (relu, gelu_new)
  positions.last_hidden_state   with explicit position_ids (reversed positions)
  <case>.head.<key>             the head's own weights (classifier, qa_outputs)
  <case>.labels.<name>          its labels (int32, or float32 for regression)
  <case>.out.<name>             its outputs (loss, logits, ...)
  <case>.grad.<key>             d loss / d parameter (tied ones under their first name): every parameter
                                for pretraining and seqcls, the head's and a sample for the others
  <kind>.*                      BertForPreTraining with position_embedding_type <kind> (relative_key,
                                relative_key_query): head.<key> each layer's distance_embedding, out.loss,
                                out.prediction_logits, out.attentions.0, grad.<key> every parameter
Metadata: "config" (config.json of the base model), "cases" (JSON: case -> {class, num_labels}).

Precision: weights and inputs are float32 values; the reference runs in float64 on them and rounds
the results to float32 once, so nabla (float32 throughout) is compared at its own rounding error.
"""
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bert_reference as br  # noqa: E402
from safetensors_check import save  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, 'test', 'fixtures', 'bert', 'parity.safetensors')

CONFIG = dict(vocab_size=99, hidden_size=32, num_hidden_layers=2, num_attention_heads=4, intermediate_size=37,
              max_position_embeddings=64, type_vocab_size=2, hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0,
              hidden_act='gelu', initializer_range=0.02, layer_norm_eps=1e-12, pad_token_id=0)

# every parameter's gradient for these cases; for the others the head's own and a sample through the encoder
FULL_GRADIENTS = ('pretraining', 'seqcls')
SAMPLED_GRADIENTS = ('bert.embeddings.word_embeddings.weight', 'bert.embeddings.token_type_embeddings.weight',
                     'bert.encoder.layer.0.attention.self.query.weight', 'bert.encoder.layer.1.output.LayerNorm.weight')

gen = torch.Generator().manual_seed(13)


def f32(t):
    t = t.detach()
    if t.dtype == torch.float64:
        return t.float().contiguous()
    if t.dtype == torch.int64:
        return t.int().contiguous()
    return t.contiguous()


def randomize_(model):
    """Float32-exact weights large enough that every layer matters (LayerNorm scales near 1)."""
    with torch.no_grad():
        for name, p in model.named_parameters():
            noise = torch.randn(p.shape, generator=gen, dtype=torch.float32)
            if name.endswith('LayerNorm.weight'):
                p.copy_(1 + 0.1 * noise)
            elif p.ndim == 1:
                p.copy_(0.1 * noise)
            else:
                p.copy_(0.15 * noise)


def batch():
    lengths, first = [7, 5, 4], [4, 3, 4]
    ids = torch.zeros(3, 7, dtype=torch.long)
    mask = torch.zeros(3, 7, dtype=torch.long)
    types = torch.zeros(3, 7, dtype=torch.long)
    for b, (n, a) in enumerate(zip(lengths, first)):
        ids[b, :n] = torch.randint(5, 99, (n,), generator=gen)
        ids[b, 0] = 2                          # [CLS]
        ids[b, a - 1] = 3                      # [SEP] after segment A
        ids[b, n - 1] = 3                      # [SEP] at the end
        mask[b, :n] = 1
        types[b, a:n] = 1
    return ids, mask, types


def main():
    config = br.BertConfig(**CONFIG)
    base = br.BertForPreTraining(config)
    randomize_(base)
    state = {k: v.clone() for k, v in base.state_dict().items()}
    ids, mask, types = batch()
    tensors = {'input_ids': f32(ids), 'attention_mask': f32(mask), 'token_type_ids': f32(types)}
    for k, v in br.checkpoint_state(base).items():
        tensors[f'state.{k}'] = f32(v)
    inputs = dict(attention_mask=mask, token_type_ids=types)

    # the encoder alone, every layer
    model = br.BertModel(config).double()
    model.load_state_dict({k[5:]: v for k, v in state.items() if k.startswith('bert.')})
    out = model(ids, output_hidden_states=True, output_attentions=True, **inputs)
    for i, h in enumerate(out.hidden_states):
        tensors[f'model.hidden_states.{i}'] = f32(h)
    for i, a in enumerate(out.attentions):
        tensors[f'model.attentions.{i}'] = f32(a)
    tensors['model.pooler_output'] = f32(out.pooler_output)
    for act in ('relu', 'gelu_new'):
        m = br.BertModel(br.BertConfig(**{**CONFIG, 'hidden_act': act})).double()
        m.load_state_dict({k[5:]: v for k, v in state.items() if k.startswith('bert.')})
        tensors[f'act.{act}.last_hidden_state'] = f32(m(ids, **inputs).last_hidden_state)
    positions = torch.arange(6, -1, -1).unsqueeze(0).expand(3, 7)
    tensors['positions.last_hidden_state'] = f32(model(ids, position_ids=positions, **inputs).last_hidden_state)

    mlm_labels = torch.full((3, 7), -100, dtype=torch.long)
    for b, p in [(0, 1), (0, 5), (1, 2), (2, 1), (2, 2)]:
        mlm_labels[b, p] = ids[b, p]
    token_labels = torch.randint(0, 3, (3, 7), generator=gen).masked_fill(mask == 0, -100)
    cases = {
        'pretraining': (br.BertForPreTraining, 2, dict(labels=mlm_labels, next_sentence_label=torch.tensor([0, 1, 1]))),
        'mlm': (br.BertForMaskedLM, 2, dict(labels=mlm_labels)),
        'seqcls': (br.BertForSequenceClassification, 2, dict(labels=torch.tensor([1, 0, 1]))),
        'regression': (br.BertForSequenceClassification, 1, dict(labels=torch.tensor([0.5, -1.25, 2.0]))),
        'tokcls': (br.BertForTokenClassification, 3, dict(labels=token_labels)),
        # the third start/end lie past the sequence: clamped to 7 and ignored, as transformers does
        'qa': (br.BertForQuestionAnswering, 2, dict(start_positions=torch.tensor([1, 4, 9]), end_positions=torch.tensor([3, 5, 12]))),
    }
    specs = {}
    for name, (cls, num_labels, labels) in cases.items():
        m = cls(br.BertConfig(**{**CONFIG, 'num_labels': num_labels}))
        randomize_(m)
        own = m.state_dict()
        shared = {k: v for k, v in state.items() if k in own}
        m.load_state_dict({**own, **shared})
        m.tie_weights()
        for k in own:
            if k not in state:
                tensors[f'{name}.head.{k}'] = f32(own[k])
        m = m.double()
        out = m(ids, **inputs, **{k: (v.double() if v.is_floating_point() else v) for k, v in labels.items()})
        for k, v in labels.items():
            tensors[f'{name}.labels.{k}'] = f32(v)
        for k, v in out.items():
            if torch.is_tensor(v):
                tensors[f'{name}.out.{k}'] = f32(v)
        if name == 'pretraining':
            loss_fct = torch.nn.CrossEntropyLoss()
            tensors['pretraining.out.mlm_loss'] = f32(loss_fct(out.prediction_logits.view(-1, 99), mlm_labels.view(-1)))
            tensors['pretraining.out.nsp_loss'] = f32(loss_fct(out.seq_relationship_logits, labels['next_sentence_label']))
        out.loss.backward()
        for k, p in m.named_parameters():
            if name in FULL_GRADIENTS or k not in state or k in SAMPLED_GRADIENTS:
                tensors[f'{name}.grad.{k}'] = f32(p.grad)
        specs[name] = {'class': cls.__name__, 'num_labels': num_labels}

    # relative position embeddings (Shaw et al. / Huang et al.): the base weights plus each layer's distance_embedding
    for kind in ('relative_key', 'relative_key_query'):
        m = br.BertForPreTraining(br.BertConfig(**{**CONFIG, 'position_embedding_type': kind}))
        randomize_(m)
        own = m.state_dict()
        m.load_state_dict({**own, **{k: v for k, v in state.items() if k in own}})
        m.tie_weights()
        for k in own:
            if 'distance_embedding' in k:
                tensors[f'{kind}.head.{k}'] = f32(own[k])
        m = m.double()
        out = m(ids, labels=mlm_labels, next_sentence_label=torch.tensor([0, 1, 1]), output_attentions=True, **inputs)
        tensors[f'{kind}.out.loss'] = f32(out.loss)
        tensors[f'{kind}.out.attentions.0'] = f32(out.attentions[0])
        tensors[f'{kind}.out.prediction_logits'] = f32(out.prediction_logits)
        out.loss.backward()
        for k, p in m.named_parameters():
            if p.grad is not None:  # position_embeddings are not used with relative positions
                tensors[f'{kind}.grad.{k}'] = f32(p.grad)
    metadata = {'config': json.dumps(config.to_dict()), 'cases': json.dumps(specs)}
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    save(tensors, metadata, OUT)
    print(f'wrote {OUT}: {len(tensors)} tensors, {os.path.getsize(OUT)} bytes')


if __name__ == '__main__':
    main()
