/**
 * `nabla bert fill-mask | classify | qa`: Hugging Face's pipelines on a model directory (from
 * `nabla train bert`, `nabla finetune bert` or transformers' save_pretrained), with its tokenizer.
 */
import { existsSync } from 'node:fs';
import { BertForMaskedLM, BertForQuestionAnswering, BertForSequenceClassification, type BertPreTrainedModel } from '../../models/bert/node.js';
import { answerQuestion, classify, fillMask } from '../../models/bert/pipelines.js';
import type { BertTokenizer } from '../../text/wordpiece.js';
import { UsageError, type FlagSpecs } from '../args.js';
import { defineCommand, type Command } from '../command.js';

const modelFlag = { type: 'string', value: 'DIR', help: 'model directory with its tokenizer files (required)' } as const;
const jsonFlag = { type: 'boolean', help: 'print the result as one JSON line' } as const;

async function open<T extends BertPreTrainedModel>(cls: { fromPretrained(dir: string): Promise<T> }, dir: string | undefined, hint: string): Promise<{ model: T; tokenizer: BertTokenizer }> {
  if (!dir) throw new UsageError(`--model DIR is required (${hint})`);
  if (!existsSync(dir)) throw new UsageError(`--model: no such directory '${dir}' (${hint})`);
  const model = await cls.fromPretrained(dir);
  if (!model.tokenizer) throw new UsageError(`--model: '${dir}' has no tokenizer files (vocab.txt or tokenizer.json)`);
  return { model, tokenizer: model.tokenizer };
}

function oneText(args: string[], what: string): string {
  if (args.length === 0) throw new UsageError(`give the ${what} as an argument (in quotes)`);
  return args.join(' ');
}

const fillFlags = { model: modelFlag, topK: { type: 'int', default: 5, min: 1, max: 1000, help: 'candidates per [MASK]' }, json: jsonFlag } satisfies FlagSpecs;
const fillUsage = 'nabla bert fill-mask --model DIR "Paris is the [MASK] of France." [--top-k 5] [--json]';

const fillMaskCommand = defineCommand({
  name: 'bert fill-mask',
  summary: 'the most probable tokens at each [MASK] of a sentence',
  description: 'Print the most probable tokens at each [MASK] of the text, with their probabilities and the filled-in sentence (Hugging Face\'s fill-mask pipeline).',
  usage: fillUsage,
  positionals: 'TEXT',
  flags: fillFlags,
  async run(f) {
    const text = oneText(f._, 'text with [MASK]');
    const { model, tokenizer } = await open<BertForMaskedLM>(BertForMaskedLM, f.model, 'a directory from `nabla train bert --out DIR`');
    if (!text.includes('[MASK]')) throw new UsageError(`the text holds no [MASK]: ${JSON.stringify(text)}`);
    const results = fillMask(model, tokenizer, text, { topK: f.topK });
    if (f.json) {
      console.log(JSON.stringify(results.map((r) => r.map((c) => ({ score: c.score, token: c.token, token_str: c.tokenStr, sequence: c.sequence })))));
      return 0;
    }
    results.forEach((candidates, m) => {
      if (results.length > 1) console.log(`[MASK] ${m + 1}:`);
      for (const c of candidates) console.log(`  ${c.score.toFixed(4)}  ${c.tokenStr.padEnd(12)}  ${c.sequence}`);
    });
    return 0;
  },
});

const classifyFlags = { model: modelFlag, json: jsonFlag } satisfies FlagSpecs;
const classifyUsage = 'nabla bert classify --model DIR "text" [--json]';

const classifyCommand = defineCommand({
  name: 'bert classify',
  summary: 'the label of a text from a fine-tuned classifier',
  description: 'Print the label probabilities of a text from a classifier fine-tuned with `nabla finetune bert --task classify --out DIR`.',
  usage: classifyUsage,
  positionals: 'TEXT',
  flags: classifyFlags,
  async run(f) {
    const text = oneText(f._, 'text');
    const { model, tokenizer } = await open<BertForSequenceClassification>(BertForSequenceClassification, f.model, 'a directory from `nabla finetune bert --task classify --out DIR`');
    if (model.loadReport?.missingKeys.some((k) => k.startsWith('classifier.'))) {
      throw new UsageError(`--model: '${f.model}' has no classifier weights (a pretraining directory?); fine-tune it first with \`nabla finetune bert --task classify --from ${f.model} --out DIR\``);
    }
    const [result] = classify(model, tokenizer, text);
    if (f.json) {
      console.log(JSON.stringify({ label: result!.label, score: result!.score, scores: result!.scores }));
      return 0;
    }
    for (const s of result!.scores) console.log(`  ${s.score.toFixed(4)}  ${s.label}${s.label === result!.label ? '  <-' : ''}`);
    return 0;
  },
});

const qaFlags = {
  model: modelFlag,
  question: { type: 'string', value: 'TEXT', help: 'the question (required)' },
  context: { type: 'string', value: 'TEXT', help: 'the paragraph holding the answer (required)' },
  json: jsonFlag,
} satisfies FlagSpecs;
const qaUsage = 'nabla bert qa --model DIR --question "..." --context "..." [--json]';

const qaCommand = defineCommand({
  name: 'bert qa',
  summary: 'the answer span to a question in a paragraph',
  description: 'Print the most probable answer span of --context for --question, from a model fine-tuned with `nabla finetune bert --task qa --out DIR`.',
  usage: qaUsage,
  flags: qaFlags,
  async run(f) {
    if (!f.question) throw new UsageError('--question TEXT is required');
    if (!f.context) throw new UsageError('--context TEXT is required');
    const { model, tokenizer } = await open<BertForQuestionAnswering>(BertForQuestionAnswering, f.model, 'a directory from `nabla finetune bert --task qa --out DIR`');
    if (model.loadReport?.missingKeys.some((k) => k.startsWith('qa_outputs.'))) {
      throw new UsageError(`--model: '${f.model}' has no question-answering weights; fine-tune it first with \`nabla finetune bert --task qa --from ${f.model} --out DIR\``);
    }
    const answer = answerQuestion(model, tokenizer, f.question, f.context);
    if (f.json) console.log(JSON.stringify(answer));
    else console.log(`${answer.answer}  (score ${answer.score.toFixed(4)}, characters ${answer.start}-${answer.end})`);
    return 0;
  },
});

export const commands: Command[] = [fillMaskCommand, classifyCommand, qaCommand];
