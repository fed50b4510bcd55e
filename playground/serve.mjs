// Serves the built playground with the COOP/COEP headers that Web Worker threads need (npm run playground).
// Run: node playground/serve.mjs [--port 5173] [--no-isolation]   (builds first)
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildPlayground } from './build.mjs';

const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8', '.safetensors': 'application/octet-stream', '.gz': 'application/octet-stream',
  '.json': 'application/json', '.svg': 'image/svg+xml', '.wasm': 'application/wasm',
};

/** An HTTP server for the built site in `dir`; `isolated` adds COOP/COEP (cross-origin isolation, threads). */
export function playgroundServer(dir, { isolated = true } = {}) {
  const root = resolve(dir);
  return createServer(async (req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname));
    const file = join(root, path.endsWith('/') ? `${path}index.html` : path);
    if (!file.startsWith(root)) {
      res.writeHead(403).end('forbidden');
      return;
    }
    try {
      const body = await readFile(file);
      const headers = { 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream', 'Cache-Control': 'no-cache' };
      if (isolated) Object.assign(headers, { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' });
      res.writeHead(200, headers).end(body);
    } catch {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end(`not found: ${path}`);
    }
  });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const port = Number(args[args.indexOf('--port') + 1] || process.env.PORT || 5173);
  const isolated = !args.includes('--no-isolation');
  const dir = fileURLToPath(new URL('./dist', import.meta.url));
  await buildPlayground(dir);
  playgroundServer(dir, { isolated }).listen(port, '127.0.0.1', () => {
    console.log(`nabla playground on http://127.0.0.1:${port}/ (${isolated ? 'cross-origin isolated: Web Worker threads on' : 'no COOP/COEP: one thread'})`);
  });
}
