// Serves a test page on 127.0.0.1 and opens it in a headless Chromium until the page reports back.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The Chromium to run (CHROMIUM_PATH, or chromium / chromium-browser / google-chrome on the PATH), or null. */
export function findChromium(): string | null {
  const candidates = [process.env.CHROMIUM_PATH, 'chromium', 'chromium-browser', 'google-chrome'].filter(Boolean) as string[];
  for (const c of candidates) {
    if (spawnSync(c, ['--version'], { stdio: 'ignore' }).status === 0) return c;
  }
  return null;
}

/**
 * Starts `server` on a free port, opens `path` in a headless `chromium` with a fresh profile, and
 * resolves with `report` once the page has sent it; after `timeoutMs` it rejects with `timeoutMessage()`.
 * The browser, the server and the profile are gone when it settles. `onLaunch` gets the browser's pid.
 */
export async function runInChromium<T>(chromium: string, server: Server, path: string, report: Promise<T>, timeoutMs: number,
  timeoutMessage: () => string, onLaunch?: (pid: number) => void): Promise<T> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const profile = mkdtempSync(join(tmpdir(), 'nabla-chromium-'));
  const browser = spawn(chromium, [
    '--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run',
    `--user-data-dir=${profile}`, `http://127.0.0.1:${port}${path}`,
  ], { stdio: 'ignore', detached: true });
  if (browser.pid !== undefined) onLaunch?.(browser.pid);
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(timeoutMessage())), timeoutMs);
    });
    return await Promise.race([report, timeout]);
  } finally {
    clearTimeout(timer);
    try { process.kill(-browser.pid!, 'SIGKILL'); } catch { /* already gone */ }
    server.close();
    rmSync(profile, { recursive: true, force: true });
  }
}
