/**
 * `npm run bench [-- group ...]`: runs the chosen bench groups (default: all) for nabla and, where
 * installed, its peers, prints one table with nabla/peer ratios and writes bench/results.json.
 */
import { writeFileSync } from 'node:fs';
import { formatTable, type BenchRow } from './report.js';
import { benchOps } from './ops.js';
import { benchCnn } from './cnn.js';
import { benchTransformer } from './transformer.js';
import { benchRnn } from './rnn.js';
import { benchEmbeddings } from './embeddings.js';
import { benchBrowser } from './browser.js';
import { benchBert } from './bert.js';
import { benchTranslate } from './translate.js';

const groups: Record<string, () => Promise<BenchRow[]>> = {
  ops: benchOps,
  cnn: benchCnn,
  rnn: benchRnn,
  transformer: () => benchTransformer(),
  embeddings: () => benchEmbeddings(),
  browser: benchBrowser,
  bert: () => benchBert(),
  translate: () => benchTranslate(),
};

const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const unknown = wanted.filter((g) => !(g in groups));
if (unknown.length) {
  console.error(`bench: unknown group ${unknown.join(', ')} (known: ${Object.keys(groups).join(', ')})`);
  process.exit(2);
}
const rows: BenchRow[] = [];
for (const name of wanted.length ? wanted : Object.keys(groups)) {
  console.error(`bench: running ${name}...`);
  rows.push(...await groups[name]());
}
console.log(formatTable(rows));
writeFileSync(new URL('./results.json', import.meta.url), JSON.stringify({ date: new Date().toISOString(), rows }, null, 2));
