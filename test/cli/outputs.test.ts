// Output paths settled before any work: a folder gets the default name, a bare name its extension, and a path
// under a regular file is a usage error naming the file (not "EEXIST ... mkdir" after the work is done).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveOutput } from '../../src/cli/outputs.js';
import { runCli } from '../../src/cli/cli.js';

const dir = fs.mkdtempSync(join(tmpdir(), 'nabla-outputs-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));
const file = join(dir, 'a-file');
fs.writeFileSync(file, 'x');

async function inProcess(argv: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  const out: string[] = [], err: string[] = [];
  const [log, error] = [console.log, console.error];
  console.log = (...a: unknown[]) => void out.push(a.map(String).join(' '));
  console.error = (...a: unknown[]) => void err.push(a.map(String).join(' '));
  try {
    return { status: await runCli(argv), stdout: out.join('\n'), stderr: err.join('\n') };
  } finally {
    [console.log, console.error] = [log, error];
  }
}

test('resolveOutput: folders, bare names, and paths that cannot be written', () => {
  const options = { extension: '.safetensors', fileName: 'model.safetensors' };
  assert.deepEqual(resolveOutput(join(dir, 'run1'), options), { path: join(dir, 'run1.safetensors'), note: `--out ${join(dir, 'run1')} has no extension: writing ${join(dir, 'run1.safetensors')}` });
  assert.equal(resolveOutput(join(dir, 'new-folder') + '/', options).path, join(dir, 'new-folder', 'model.safetensors'));
  assert.ok(fs.statSync(join(dir, 'new-folder')).isDirectory(), 'the folder is created');
  assert.equal(resolveOutput(join(dir, 'keep.pt'), options).path, join(dir, 'keep.pt'), 'another extension is kept');
  assert.throws(() => resolveOutput(join(file, 'deeper', 'w.safetensors'), options), new RegExp(`because ${file} is a file`));
});

test('PNG outputs under a regular file are refused before the work, naming the file', async () => {
  const vectors = join(dir, 'v.txt');
  fs.writeFileSync(vectors, '3 2\nred 1 0\ngreen 0 1\nblue 1 1\n');
  const plot = await inProcess(['embed', 'plot', '--vectors', vectors, '--words', 'red,green,blue', '--out', join(file, 'words.png')]);
  assert.equal(plot.status, 2, plot.stderr);
  assert.match(plot.stderr, /--out .*cannot create the folder .* is a file/);
  const sine = await inProcess(['train', 'sine', '--epochs', '10', '--samples', '4', '--seq-length', '5', '--plot', join(file, 'sine.png')]);
  assert.equal(sine.status, 2, sine.stderr);
  assert.match(sine.stderr, /--plot .* is a file/);
  assert.doesNotMatch(sine.stdout, /Epoch/);
});
