// nabla's BERT against tools/bert_reference.py (transformers' modeling_bert.py in plain PyTorch):
// every layer's hidden states, attention probabilities, the pooled output, each head's logits and
// loss, and the gradients, on the js and wasm backends. The fixture is
// test/fixtures/bert/parity.safetensors, written by tools/gen_bert_fixtures.py.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import * as nb from '../../src/node.js';
import type { Tensor } from '../../src/index.js';
import { assertClose, type Tolerance } from '../helpers/compare.js';
import {
  BertConfig, BertModel, BertForPreTraining, BertForMaskedLM, BertForSequenceClassification, BertForTokenClassification,
  BertForQuestionAnswering, type BertPreTrainedModel,
} from '../../src/models/bert/index.js';

const { tensors, metadata } = nb.loadWithMetadata(fileURLToPath(new URL('../fixtures/bert/parity.safetensors', import.meta.url)));
const baseConfig = BertConfig.fromJSON(metadata.config!);
const cases = JSON.parse(metadata.cases!) as Record<string, { class: string; num_labels: number }>;
const CLASSES = { BertForPreTraining, BertForMaskedLM, BertForSequenceClassification, BertForTokenClassification, BertForQuestionAnswering } as const;

// float32 through two layers against a float64 reference rounded once
const OUTPUT: Tolerance = { rtol: 1e-4, atol: 2e-5 };
const GRAD: Tolerance = { rtol: 1e-3, atol: 2e-5 };

const get = (key: string): Tensor => {
  const t = tensors[key];
  if (!t) throw new Error(`parity fixture: no tensor ${key}`);
  return t;
};
const inputs = () => ({ attentionMask: get('attention_mask'), tokenTypeIds: get('token_type_ids') });

/** The fixture's shared weights plus a head's own, as a full state dict (tied copies filled in). */
function stateFor(prefix: string, caseName: string | null): Record<string, Tensor> {
  const state: Record<string, Tensor> = {};
  for (const [k, t] of Object.entries(tensors)) {
    if (k.startsWith('state.') && k.startsWith(`state.${prefix}`)) state[k.slice(6 + prefix.length)] = t;
    if (caseName && k.startsWith(`${caseName}.head.`)) state[k.slice(caseName.length + 6)] = t;
  }
  return state;
}

function loadInto(model: BertPreTrainedModel | BertModel, state: Record<string, Tensor>): void {
  const own = model.stateDict();
  const filtered = Object.fromEntries(Object.entries(state).filter(([k]) => k in own));
  // the tied decoder copies are not in the file: they are the same Parameters as the embeddings and bias
  for (const k of ['cls.predictions.decoder.weight', 'cls.predictions.decoder.bias']) if (k in own) filtered[k] = own[k]!;
  model.loadStateDict(filtered);
}

for (const backend of ['js', 'wasm']) {
  describe(`BERT parity with PyTorch (${backend} backend)`, () => {
    const run = <T>(fn: () => T): T => {
      const previous = nb.getBackend().name;
      nb.setBackend(backend);
      try {
        return fn();
      } finally {
        nb.setBackend(previous);
      }
    };

    it('BertModel: hidden states of every layer, attention probabilities, pooled output', () => run(() => {
      const model = new BertModel(baseConfig);
      loadInto(model, stateFor('bert.', null));
      const out = nb.noGrad(() => model.forward(get('input_ids'), { ...inputs(), outputHiddenStates: true, outputAttentions: true }));
      out.hiddenStates!.forEach((h, i) => assertClose(h, get(`model.hidden_states.${i}`), OUTPUT, `hidden state ${i}`));
      out.attentions!.forEach((a, i) => assertClose(a, get(`model.attentions.${i}`), OUTPUT, `attentions ${i}`));
      assertClose(out.poolerOutput!, get('model.pooler_output'), OUTPUT, 'pooler output');
    }));

    it('other activations (relu, gelu_new) and explicit position ids', () => run(() => {
      for (const act of ['relu', 'gelu_new'] as const) {
        const model = new BertModel(baseConfig.with({ hiddenAct: act }));
        loadInto(model, stateFor('bert.', null));
        const out = nb.noGrad(() => model.forward(get('input_ids'), inputs()));
        assertClose(out.lastHiddenState, get(`act.${act}.last_hidden_state`), OUTPUT, act);
      }
      const model = new BertModel(baseConfig);
      loadInto(model, stateFor('bert.', null));
      const positionIds = nb.tensor([6, 5, 4, 3, 2, 1, 0], { dtype: 'int32' }).unsqueeze(0).expand(3, 7).contiguous();
      const out = nb.noGrad(() => model.forward(get('input_ids'), { ...inputs(), positionIds }));
      assertClose(out.lastHiddenState, get('positions.last_hidden_state'), OUTPUT, 'explicit positions');
    }));

    for (const kind of ['relative_key', 'relative_key_query'] as const) {
      it(`BertForPreTraining with positionEmbeddingType ${kind}: loss, logits, attention and every gradient`, () => run(() => {
        const model = new BertForPreTraining(baseConfig.with({ positionEmbeddingType: kind }));
        loadInto(model, stateFor('', kind));
        const labels = { labels: get('pretraining.labels.labels'), nextSentenceLabel: get('pretraining.labels.next_sentence_label') };
        const out = model.forward(get('input_ids'), { ...inputs(), ...labels, outputAttentions: true });
        assertClose(out.loss!, get(`${kind}.out.loss`), OUTPUT, `${kind} loss`);
        assertClose(out.predictionLogits, get(`${kind}.out.prediction_logits`), OUTPUT, `${kind} logits`);
        assertClose(out.attentions![0]!, get(`${kind}.out.attentions.0`), OUTPUT, `${kind} attentions`);
        out.loss!.backward();
        const grads = Object.keys(tensors).filter((k) => k.startsWith(`${kind}.grad.`));
        for (const [key, param] of model.namedParameters()) {
          const ref = tensors[`${kind}.grad.${key}`];
          // the absolute table stays in the state dict (as in transformers) but takes no part
          if (!ref) assert.ok(param.grad === null || param.grad.abs().max().item() === 0, `${kind}: ${key} should get no gradient`);
          else assertClose(param.grad!, ref, GRAD, `${kind} grad ${key}`);
        }
        assert.ok(grads.some((k) => k.includes('distance_embedding')), 'the fixture has distance_embedding gradients');
      }));
    }

    for (const [name, spec] of Object.entries(cases)) {
      it(`${spec.class} (${name}): outputs, loss and gradients`, () => run(() => {
        const Cls = CLASSES[spec.class as keyof typeof CLASSES];
        const model = new Cls(baseConfig.with({ numLabels: spec.num_labels }));
        loadInto(model, stateFor('', name));
        const labelKeys = Object.keys(tensors).filter((k) => k.startsWith(`${name}.labels.`));
        const labels = Object.fromEntries(labelKeys.map((k) => [camel(k.slice(name.length + 8)), get(k)]));
        const out = model.forward(get('input_ids'), { ...inputs(), ...labels }) as unknown as Record<string, Tensor>;
        for (const key of Object.keys(tensors).filter((k) => k.startsWith(`${name}.out.`))) {
          const field = camel(key.slice(name.length + 5));
          const ours = out[field];
          if (!ours) throw new Error(`${spec.class} gave no ${field}`);
          assertClose(ours, get(key), OUTPUT, `${name} ${field}`);
        }
        out.loss!.backward();
        const params = new Map(model.namedParameters());
        for (const key of Object.keys(tensors).filter((k) => k.startsWith(`${name}.grad.`))) {
          const param = params.get(key.slice(name.length + 6));
          if (!param) throw new Error(`${spec.class} has no parameter ${key.slice(name.length + 6)}`);
          assertClose(param.grad!, get(key), GRAD, `${name} grad ${key.slice(name.length + 6)}`);
        }
      }));
    }
  });
}

function camel(s: string): string {
  return s.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
}
