// Node-only file helpers: the one atomic write every file nabla writes goes through, and reads with plain errors.
// `fs` is used through its default export (the CommonJS module object) so tests can mock its methods.
import fs from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';

/** Whether a process with this id is running (EPERM: it exists, owned by someone else). */
export function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Removes the temp files that killed writes of `path` left behind: ours (`<name>.tmp-<pid>-<12 hex>`) and
 * the older `<name>.<pid>.<8 hex>.tmp`, when their writer process is gone. Best effort.
 */
function removeStaleTemps(path: string): void {
  const name = escapeRegExp(basename(path));
  const pattern = new RegExp(`^${name}(?:\\.tmp-(\\d+)-[0-9a-f]{12}|\\.(\\d+)\\.[0-9a-f]{8}\\.tmp)$`);
  let entries: string[];
  try {
    entries = fs.readdirSync(dirname(path));
  } catch {
    return;
  }
  for (const entry of entries) {
    const m = pattern.exec(entry);
    if (!m || processAlive(Number(m[1] ?? m[2]))) continue;
    try {
      fs.unlinkSync(join(dirname(path), entry));
    } catch {
      // another writer cleaned it first
    }
  }
}

/**
 * Write `bytes` to `path` so that readers see either the old file or the complete new one:
 * write a temp file in the same directory, fsync it, rename it over the target, fsync the directory.
 * Temp files that killed writes of the same path left behind are removed first.
 */
export function writeFileAtomic(path: string, bytes: Uint8Array): void {
  removeStaleTemps(path);
  const tmp = `${path}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`;
  try {
    const fd = fs.openSync(tmp, 'wx', 0o666);
    try {
      for (let done = 0; done < bytes.length; ) done += fs.writeSync(fd, bytes, done, bytes.length - done);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, path);
  } catch (err) {
    try {
      fs.unlinkSync(tmp);
    } catch {
      // never created, or already gone
    }
    throw err;
  }
  // Makes the rename itself durable; not possible everywhere (e.g. directories cannot be opened on Windows).
  try {
    const dir = fs.openSync(dirname(path), 'r');
    try {
      fs.fsyncSync(dir);
    } finally {
      fs.closeSync(dir);
    }
  } catch {
    // best effort
  }
}

/** Read a whole file, with a plain message when it is missing. */
export function readFileBytes(path: string): Uint8Array {
  let buf: Buffer;
  try {
    buf = fs.readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : (err as Error).message;
    throw new Error(`cannot read ${path}: ${reason}`, { cause: err });
  }
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}
