// The executable's restart with glibc's malloc tuned (src/cli/relaunch.ts): when it happens, and that the
// restarted process gets the same command line and the tuned environment, and its exit code comes back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { TUNED_MALLOC_ENV, tunedMallocEnv } from '../../src/cli/relaunch.js';

test('tunedMallocEnv: Linux only, not when opted out or when either variable is set already', () => {
  const tuned = tunedMallocEnv({ PATH: '/bin' }, 'linux');
  assert.deepEqual(tuned, { PATH: '/bin', ...TUNED_MALLOC_ENV });
  assert.equal(tunedMallocEnv({}, 'darwin'), null);
  assert.equal(tunedMallocEnv({}, 'win32'), null);
  assert.equal(tunedMallocEnv({ NABLA_SYSTEM_MALLOC: '1' }, 'linux'), null);
  assert.equal(tunedMallocEnv({ MALLOC_MMAP_THRESHOLD_: '65536' }, 'linux'), null, "the user's own setting stays");
  assert.equal(tunedMallocEnv({ MALLOC_TRIM_THRESHOLD_: '0' }, 'linux'), null);
  assert.equal(tunedMallocEnv(tuned!, 'linux'), null, 'the restarted process does not restart again');
});

test('relaunchWithTunedMalloc: the restarted process runs the same arguments with the tuned variables; its exit code is returned', { skip: process.platform !== 'linux' }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'nabla-relaunch-'));
  const script = join(dir, 'main.ts');
  // a stand-in for main.ts: the restarted process reports what it got and exits with 7
  writeFileSync(script, [
    `import { relaunchWithTunedMalloc } from ${JSON.stringify(pathToFileURL(resolve('src/cli/relaunch.ts')).href)};`,
    'const code = relaunchWithTunedMalloc();',
    'if (code !== null) { console.log(`parent got ${code}`); process.exitCode = code; }',
    'else { console.log(JSON.stringify({ pid: process.pid, ppid: process.ppid, args: process.argv.slice(2), mmap: process.env.MALLOC_MMAP_THRESHOLD_ ?? null, trim: process.env.MALLOC_TRIM_THRESHOLD_ ?? null })); process.exitCode = 7; }',
  ].join('\n'));
  const env = { ...process.env };
  delete env.MALLOC_MMAP_THRESHOLD_;
  delete env.MALLOC_TRIM_THRESHOLD_;
  delete env.NABLA_SYSTEM_MALLOC;
  const run = (extra: Record<string, string>) => spawnSync(process.execPath, ['--import', 'tsx', script, 'train', '--flag', 'a b'], { encoding: 'utf8', env: { ...env, ...extra } });

  const restarted = run({});
  assert.equal(restarted.status, 7, restarted.stderr);
  const [child, parent] = restarted.stdout.trim().split('\n');
  const got = JSON.parse(child!);
  assert.deepEqual(got.args, ['train', '--flag', 'a b']);
  assert.equal(got.mmap, TUNED_MALLOC_ENV.MALLOC_MMAP_THRESHOLD_);
  assert.equal(got.trim, TUNED_MALLOC_ENV.MALLOC_TRIM_THRESHOLD_);
  assert.equal(parent, 'parent got 7');
  assert.equal(got.ppid, restarted.pid, 'the work ran in a child of the process started');

  const direct = run({ NABLA_SYSTEM_MALLOC: '1' });
  assert.equal(direct.status, 7);
  const own = JSON.parse(direct.stdout.trim());
  assert.equal(own.mmap, null);
  assert.equal(own.pid, direct.pid, 'opted out: no restart');
});
