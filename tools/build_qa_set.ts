/**
 * Builds a small real-data extractive QA set in SQuAD v1.1 format from npm `world-countries` (a devDependency) and
 * writes it to data/qa/countries-{train,test}.json, for fine-tuning the course's BERT on question answering.
 *
 * Each country or territory gets one paragraph written from its facts (official name, region and subregion,
 * capital, official languages, currencies, area, land borders, demonym), and questions about them with templates
 * drawn at random from several wordings. Every answer is an exact span of its paragraph (answer_start is where the
 * builder put the text); questions with several right answers (one of several languages, currencies or neighbours)
 * list each as a gold answer, as SQuAD does. Entries without a capital (Antarctica, uninhabited islands) are left
 * out. The split is by country: 20% of the countries, drawn with a fixed seed, are the test set, so test questions
 * are about paragraphs the model never saw.
 *
 * Run: node --import tsx tools/build_qa_set.ts
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Generator } from '../src/tensor/random.js';
import { fixedSplit, toSquadJson, type SquadExample } from '../src/models/bert/finetune-data.js';

interface Country {
  name: { common: string; official: string };
  cca3: string;
  independent: boolean | null;
  capital?: string[];
  region: string;
  subregion?: string;
  languages?: Record<string, string>;
  currencies?: Record<string, { name: string; symbol?: string }>;
  borders?: string[];
  area: number;
  demonyms?: { eng?: { m: string; f: string } };
}

const SEED = 2024;
const TEST_FRACTION = 0.2;
const OUT_DIR = join(import.meta.dirname, '..', 'data', 'qa');

const require = createRequire(import.meta.url);
const countries = (require('world-countries') as Country[]).filter((c) => c.capital && c.capital.length > 0);
const byCode = new Map(countries.map((c) => [c.cca3, c.name.common]));
const generator = new Generator(SEED);
const pick = <T>(xs: readonly T[]): T => xs[generator.randint(0, xs.length)]!;

/** A paragraph being written, remembering where each fact's text went. */
class Paragraph {
  text = '';
  /** Append `before`, then each part (an answer span, recorded) in a list ending with `lastJoin`, then `after`. */
  addSpans(before: string, parts: readonly string[], after: string, lastJoin = ' and '): { text: string; answerStart: number }[] {
    this.text += before;
    const spans: { text: string; answerStart: number }[] = [];
    parts.forEach((p, i) => {
      if (i > 0) this.text += i === parts.length - 1 ? lastJoin : ', ';
      spans.push({ text: p, answerStart: this.text.length });
      this.text += p;
    });
    this.text += after;
    return spans;
  }
  /** A new sentence made with `addSpans`. */
  sentence(before: string, parts: readonly string[], after: string, lastJoin = ' and '): { text: string; answerStart: number }[] {
    if (this.text) this.text += ' ';
    return this.addSpans(before, parts, after, lastJoin);
  }
}

function listSpan(spans: { text: string; answerStart: number }[], text: string): { text: string; answerStart: number } {
  return { text: text.slice(spans[0]!.answerStart, spans.at(-1)!.answerStart + spans.at(-1)!.text.length), answerStart: spans[0]!.answerStart };
}

function examplesFor(c: Country): SquadExample[] {
  const name = c.name.common;
  const p = new Paragraph();
  const qas: { key: string; questions: string[]; answers: () => { text: string; answerStart: number }[] }[] = [];
  const kind = c.independent ? 'a country' : 'a territory';
  const place = c.subregion ? c.subregion : c.region;
  let official: { text: string; answerStart: number }[] = [];
  if (c.name.official !== name) official = p.addSpans(`${name}, officially the `, [c.name.official], `, is ${kind} in `);
  else p.text += `${name} is ${kind} in `;
  const placeSpan = p.addSpans('', [place], '');
  let regionSpan: { text: string; answerStart: number }[] = [];
  if (c.subregion && c.subregion !== c.region) regionSpan = p.addSpans(c.region === 'Americas' ? ', part of the ' : ', part of ', [c.region], '.');
  else p.text += '.';
  const text = () => p.text;
  if (official.length) qas.push({ key: 'official', questions: [`What is the official name of ${name}?`, `What is ${name} officially called?`], answers: () => official });
  qas.push({ key: 'place', questions: [`Where is ${name}?`, `In which part of the world is ${name}?`, `Where is ${name} located?`], answers: () => placeSpan });
  if (regionSpan.length) qas.push({ key: 'region', questions: [`Which region is ${name} part of?`, `On which continent or region is ${name}?`], answers: () => regionSpan });

  const capitals = c.capital!;
  const capitalSpans = p.sentence(capitals.length > 1 ? 'Its capitals are ' : 'Its capital is ', capitals, '.');
  qas.push({
    key: 'capital',
    questions: capitals.length > 1 ? [`Name a capital of ${name}.`, `What is one of the capitals of ${name}?`] : [`What is the capital of ${name}?`, `Which city is the capital of ${name}?`, `What is ${name}'s capital city?`],
    answers: () => capitalSpans,
  });

  const languages = Object.values(c.languages ?? {});
  if (languages.length) {
    const spans = p.sentence(languages.length > 1 ? 'The official languages are ' : 'The official language is ', languages, '.');
    qas.push({
      key: 'language',
      questions: languages.length > 1 ? [`Name an official language of ${name}.`, `What is one of the languages spoken in ${name}?`] : [`What language is spoken in ${name}?`, `What is the official language of ${name}?`, `Which language do people speak in ${name}?`],
      answers: () => spans,
    });
  }

  const currencies = Object.values(c.currencies ?? {}).map((x) => x.name);
  if (currencies.length) {
    const spans = p.sentence(currencies.length > 1 ? 'The currencies in use are the ' : 'The currency is the ', currencies, '.', ' and the ');
    qas.push({
      key: 'currency',
      questions: currencies.length > 1 ? [`Name a currency used in ${name}.`, `What is one of the currencies of ${name}?`] : [`What is the currency of ${name}?`, `What currency is used in ${name}?`, `What money do people pay with in ${name}?`],
      answers: () => spans,
    });
  }

  const area = `${c.area.toLocaleString('en-US')} square kilometres`;
  const areaSpan = p.sentence('It covers ', [area], '.');
  qas.push({ key: 'area', questions: [`How large is ${name}?`, `What is the area of ${name}?`, `How big is ${name}?`], answers: () => areaSpan });

  const neighbours = (c.borders ?? []).map((code) => byCode.get(code)).filter((n): n is string => n !== undefined);
  if (neighbours.length) {
    const spans = p.sentence(`${name} borders `, neighbours, '.');
    if (neighbours.length > 1) qas.push({ key: 'borders', questions: [`Which countries border ${name}?`, `What are the neighbours of ${name}?`], answers: () => [listSpan(spans, text())] });
    qas.push({ key: 'neighbour', questions: neighbours.length > 1 ? [`Name a country that borders ${name}.`, `Which country is a neighbour of ${name}?`] : [`Which country borders ${name}?`, `What is the only neighbour of ${name}?`], answers: () => spans });
  }

  const demonym = c.demonyms?.eng?.m;
  if (demonym) {
    const spans = p.sentence('Its people are called ', [demonym], '.');
    qas.push({ key: 'demonym', questions: [`What are the people of ${name} called?`, `What is the demonym of ${name}?`, `What do you call someone from ${name}?`], answers: () => spans });
  }

  return qas.map((qa) => ({ id: `${c.cca3}-${qa.key}`, title: name, question: pick(qa.questions), context: p.text, answers: qa.answers() }));
}

function writeJsonAtomic(path: string, value: unknown): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, JSON.stringify(value) + '\n');
  renameSync(tmp, path);
}

const { train, test } = fixedSplit(countries, TEST_FRACTION, SEED);
mkdirSync(OUT_DIR, { recursive: true });
for (const [part, list] of [['train', train], ['test', test]] as const) {
  const examples = list.flatMap(examplesFor);
  for (const e of examples) {
    for (const a of e.answers) {
      if (e.context.slice(a.answerStart, a.answerStart + a.text.length) !== a.text) throw new Error(`${e.id}: answer ${JSON.stringify(a.text)} is not at ${a.answerStart}`);
    }
  }
  writeJsonAtomic(join(OUT_DIR, `countries-${part}.json`), toSquadJson(examples));
  console.log(`${part}: ${list.length} countries, ${examples.length} questions`);
}
