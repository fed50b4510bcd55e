// The playground's shell: the page list, the hash router, the thread status line and the service worker
// (offline use, and cross-origin isolation on hosts that cannot send the headers).
import * as nb from 'nabla';
import { h, type Page } from './dom.js';
import { digitsPage } from './pages/digits.js';
import { sequencesPage } from './pages/sequences.js';
import { attentionPage } from './pages/attention.js';
import { embeddingsPage } from './pages/embeddings.js';
import { fillMaskPage } from './pages/fill-mask.js';
import './timing.js';

const pages: Page[] = [digitsPage(), sequencesPage(), attentionPage(), embeddingsPage(), fillMaskPage()];
const root = document.getElementById('page')!;
const nav = document.getElementById('nav')!;
const threadsLine = document.getElementById('threads')!;
let current: Page | null = null;

for (const p of pages) nav.append(h('a', { href: `#${p.id}`, id: `nav-${p.id}` }, p.title));

async function show(): Promise<void> {
  const page = pages.find((p) => `#${p.id}` === location.hash) ?? pages[0]!;
  if (page === current) return;
  current?.unmount?.();
  current = page;
  for (const a of nav.children) a.classList.toggle('active', a.id === `nav-${page.id}`);
  root.replaceChildren(h('h2', {}, page.title));
  try {
    await page.mount(root);
  } catch (e) {
    root.append(h('p', { class: 'error' }, `This page failed to load: ${e instanceof Error ? e.message : String(e)}`));
    throw e;
  }
}

async function start(): Promise<void> {
  const isolated = globalThis.crossOriginIsolated === true;
  nb.setNumThreads(isolated ? 2 : 1);
  const threads = await nb.threadsReady();
  threadsLine.dataset.threads = String(threads);
  threadsLine.textContent = isolated
    ? `${nb.getBackend().name} backend, ${threads} threads (this page is cross-origin isolated).`
    : `${nb.getBackend().name} backend, 1 thread: this page is not cross-origin isolated (no COOP/COEP headers), so Web Worker threads are off. Everything works, more slowly.`;
  window.addEventListener('hashchange', () => void show());
  await show();
}

if ('serviceWorker' in navigator && !new URLSearchParams(location.search).has('nosw')) {
  void navigator.serviceWorker.register(new URL('sw.js', location.href)).then(() => {
    // The worker adds the isolation headers; one reload puts a page that lacked them under its control.
    if (!globalThis.crossOriginIsolated && navigator.serviceWorker.controller === null && !sessionStorage.getItem('coi-reloaded')) {
      sessionStorage.setItem('coi-reloaded', '1');
      navigator.serviceWorker.ready.then(() => location.reload());
    }
  });
}

void start();
