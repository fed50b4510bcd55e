// The playground's service worker. Caches every asset on install, so the site works offline once loaded,
// and serves each response with the COOP/COEP headers: a host that cannot set them (GitHub Pages and
// other plain static hosts) still gets a cross-origin-isolated page, and with it Web Worker threads.
const CACHE = 'nabla-playground-__VERSION__';
const ASSETS = __ASSETS__;

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(ASSETS)).then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith('nabla-playground-') && k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

function isolated(response) {
  if (response.status === 0) return response; // opaque: its headers cannot be read or changed
  const headers = new Headers(response.headers);
  headers.set('Cross-Origin-Opener-Policy', 'same-origin');
  headers.set('Cross-Origin-Embedder-Policy', 'require-corp');
  headers.set('Cross-Origin-Resource-Policy', 'same-origin');
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
}

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET' || new URL(request.url).origin !== self.location.origin) return;
  event.respondWith((async () => {
    const cache = await caches.open(CACHE);
    const path = new URL(request.url).pathname;
    const cached = await cache.match(request, { ignoreSearch: true }) ?? (path.endsWith('/') ? await cache.match('./') : undefined);
    if (cached) return isolated(cached);
    return isolated(await fetch(request));
  })());
});
