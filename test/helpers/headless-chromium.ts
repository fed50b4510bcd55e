// Serves a test page on 127.0.0.1 and opens it in a headless Chromium until the page reports back.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';

/** The Chromium to run (CHROMIUM_PATH, or chromium / chromium-browser / google-chrome on the PATH), or null. */
export function findChromium(): string | null {
  const candidates = [process.env.CHROMIUM_PATH, 'chromium', 'chromium-browser', 'google-chrome'].filter(Boolean) as string[];
  for (const c of candidates) {
    if (spawnSync(c, ['--version'], { stdio: 'ignore' }).status === 0) return c;
  }
  return null;
}

/** What a test page's server serves and where it reports what the page sends. */
export interface PageServerOptions {
  /** The page's bundled files by name, served as JavaScript wherever a path ends in one of the names. */
  files: ReadonlyMap<string, string>;
  /** The module the HTML page loads: every other GET gets that page. */
  script: string;
  /** Whether the response to `url` carries the cross-origin isolation headers (Web Worker threads need them). */
  isolated(url: string): boolean;
  /** Each POST's path and body; the page's fetch resolves once this returns. */
  onPost(url: string, body: string): void;
  /** Each bundled file the page fetched, by name and the path it asked for. */
  onFile?(name: string, url: string): void;
}

/** An HTTP server for a test page (not listening yet: runInChromium starts it). */
export function pageServer(o: PageServerOptions): Server {
  return createServer((req, res) => {
    const url = req.url ?? '';
    if (o.isolated(url)) {
      res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
      res.setHeader('Cross-Origin-Embedder-Policy', 'require-corp');
    }
    if (req.method === 'POST') {
      let body = '';
      req.on('data', (d) => { body += d; });
      req.on('end', () => {
        o.onPost(url, body);
        res.end('ok');
      });
      return;
    }
    const name = basename(url.split('?')[0]!);
    const file = o.files.get(name);
    if (file !== undefined) {
      o.onFile?.(name, url);
      res.setHeader('Content-Type', 'text/javascript');
      res.end(file);
      return;
    }
    res.setHeader('Content-Type', 'text/html');
    res.end(`<!doctype html><meta charset="utf-8"><script type="module" src="${o.script}"></script>`);
  });
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
