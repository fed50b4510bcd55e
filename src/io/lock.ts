// Node-only: a lock file beside an output, so that two processes never write the same file and both
// report success. The lock holds the owner's pid; a lock whose owner is gone (killed) is stale and replaced.
import fs from 'node:fs';
import { processAlive } from '../util/files.js';

export interface OutputLock {
  /** The lock file: `<output>.lock`. */
  readonly path: string;
  /** Removes the lock (also done when the process exits). */
  release(): void;
}

/**
 * Takes `<output>.lock` for this process. Throws when a running process holds it, naming that process;
 * `purpose` (e.g. 'train cnn') is written into the lock for whoever finds it.
 */
export function acquireLock(output: string, purpose: string): OutputLock {
  const path = `${output}.lock`;
  for (let attempt = 0; ; attempt++) {
    try {
      const fd = fs.openSync(path, 'wx', 0o666);
      try {
        fs.writeSync(fd, `${process.pid}\n${purpose}\n`);
      } finally {
        fs.closeSync(fd);
      }
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw err;
      let owner = NaN, what = '';
      try {
        [owner, what] = ((lines) => [Number(lines[0]), lines[1] ?? ''] as const)(fs.readFileSync(path, 'utf8').split('\n'));
      } catch {
        // vanished meanwhile: try again
      }
      // A lock of this very process (a command run twice in one process, as tests do) is taken again.
      if (processAlive(owner) && owner !== process.pid) {
        throw new Error(
          `${output} is being written by another process (pid ${owner}${what ? `, ${what}` : ''}); ` +
            `wait for it to finish or choose another --out (the lock is ${path}; remove it if that process is not nabla)`,
        );
      }
      fs.rmSync(path, { force: true }); // stale: its owner is gone
    }
  }
  let held = true;
  const release = () => {
    if (!held) return;
    held = false;
    process.off('exit', release);
    fs.rmSync(path, { force: true });
  };
  process.on('exit', release);
  return { path, release };
}
