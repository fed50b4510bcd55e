/**
 * `npm run bench [-- group ...] [--malloc=system|tuned]`: runs the chosen bench groups (default: all)
 * for nabla and, where installed, its peers, prints one table with nabla/peer ratios and writes
 * bench/results.json.
 *
 * --malloc=tuned runs everything (nabla here, the peers in their child processes) with the glibc
 * tunables the `nabla` executable sets for itself (src/cli/relaunch.ts); the default keeps glibc's
 * defaults, what a plain `node` or `python3` process gets. Both sides always run under the same one:
 * on a small VM the page faults of fresh large blocks change PyTorch's figures as much as nabla's.
 */
import { writeFileSync } from 'node:fs';
import { relaunch, TUNED_MALLOC_ENV } from '../src/cli/relaunch.js';
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

const malloc = process.argv.find((a) => a.startsWith('--malloc='))?.slice('--malloc='.length) ?? 'system';
if (malloc !== 'system' && malloc !== 'tuned') {
  console.error(`bench: --malloc must be system or tuned, got '${malloc}'`);
  process.exit(2);
}
const tuned = Object.entries(TUNED_MALLOC_ENV).every(([k, v]) => process.env[k] === v);
if (malloc === 'tuned' && !tuned) {
  const code = relaunch({ ...process.env, ...TUNED_MALLOC_ENV });
  if (code === null) {
    console.error('bench: could not restart with the tuned allocator');
    process.exit(1);
  }
  process.exit(code);
}
const allocator = tuned ? 'glibc tuned (MALLOC_MMAP_THRESHOLD_, MALLOC_TRIM_THRESHOLD_ as the nabla executable sets them)'
  : Object.keys(TUNED_MALLOC_ENV).some((k) => process.env[k] !== undefined) ? 'glibc, tunables from the environment' : 'glibc defaults';
console.error(`bench: allocator: ${allocator}, for nabla and the peers`);

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
console.log(`allocator: ${allocator}`);
writeFileSync(new URL('./results.json', import.meta.url), JSON.stringify({ date: new Date().toISOString(), allocator, rows }, null, 2));
