// Node-only file helpers for checkpoints.
// `fs` is used through its default export (the CommonJS module object) so tests can mock its methods.
import fs from 'node:fs';
import { dirname } from 'node:path';
import { randomBytes } from 'node:crypto';

/**
 * Write `bytes` to `path` so that readers see either the old file or the complete new one:
 * write a temp file in the same directory, fsync it, rename it over the target, fsync the directory.
 */
export function writeFileAtomic(path: string, bytes: Uint8Array): void {
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
