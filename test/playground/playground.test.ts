// The playground in a real browser (Chromium, headless, driven by playwright-core): every page opens with
// no console error, a drawn 7 reads as 7, the sine RNN's loss falls over 20 epochs, attention maps label
// words in any script, Word2Vec trains in the worker, BERT fills a [MASK] as nabla does in Node, the isolated page runs 2 threads and a plain one 1,
// and the site reloads offline from its service worker. Screenshots go to test-results/playground/.
// Skipped where no Chromium is installed (CHROMIUM_PATH or /usr/bin/chromium).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { chromium, type Page } from 'playwright-core';
import { BertForMaskedLM } from '../../src/models/bert/heads.js';
import { fillMask } from '../../src/models/bert/pipelines.js';
// @ts-expect-error: plain JavaScript build scripts, typed by their use here
import { buildPlayground } from '../../playground/build.mjs';
// @ts-expect-error: see above
import { playgroundServer } from '../../playground/serve.mjs';

const executablePath = [process.env.CHROMIUM_PATH, '/usr/bin/chromium'].find((p): p is string => !!p && existsSync(p));
const shots = join('test-results', 'playground');

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
}

/** fillMask in Node on the BERT page's shipped files (playground/static/bert-tiny). */
function fillMaskInNode(text: string, topK: number) {
  const dir = join('playground', 'static', 'bert-tiny');
  const files = Object.fromEntries(readdirSync(dir).map((name) => [name, name.endsWith('.safetensors') ? new Uint8Array(readFileSync(join(dir, name))) : readFileSync(join(dir, name), 'utf8')]));
  const model = BertForMaskedLM.fromFiles(files);
  return fillMask(model, model.tokenizer!, text, { topK })[0]!;
}

function watchErrors(page: Page, errors: string[]): void {
  page.on('console', (m) => { if (m.type() === 'error') errors.push(`${page.url()}: ${m.text()}`); });
  page.on('pageerror', (e) => errors.push(`${page.url()}: ${e.message}`));
}

test('playground pages in Chromium: draw a 7, train the sine RNN, attention, Word2Vec, fill-mask, threads, offline', {
  skip: executablePath ? false : 'no Chromium installed', timeout: 240_000,
}, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'nabla-playground-'));
  mkdirSync(shots, { recursive: true });
  await buildPlayground(dir);
  const isolatedServer = playgroundServer(dir, { isolated: true }), plainServer = playgroundServer(dir, { isolated: false });
  const isolatedUrl = await listen(isolatedServer), plainUrl = await listen(plainServer);
  const browser = await chromium.launch({
    executablePath,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const errors: string[] = [];
  try {
    const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
    const page = await context.newPage();
    watchErrors(page, errors);

    // Digits: the shipped LeNet-5 reads a 7 drawn with the mouse.
    await page.goto(`${isolatedUrl}#digits`);
    await page.waitForFunction(() => document.querySelector('#digits-status')?.textContent?.startsWith('Ready'));
    assert.equal(await page.getAttribute('#threads', 'data-threads'), '2', 'the cross-origin-isolated page runs 2 threads');
    assert.equal(await page.evaluate(() => globalThis.crossOriginIsolated), true);
    const box = (await page.locator('#digit-canvas').boundingBox())!;
    const to = (x: number, y: number) => page.mouse.move(box.x + x, box.y + y, { steps: 8 });
    await to(70, 60);
    await page.mouse.down();
    await to(210, 60);
    await to(120, 240);
    await page.mouse.up();
    await page.waitForFunction(() => document.querySelector('#top-class')?.textContent !== '–');
    assert.equal(await page.textContent('#top-class'), '7', 'the drawn 7 reads as 7');
    const firstPrediction = await page.evaluate(() => (globalThis as { playgroundMarks?: { firstPrediction?: number } }).playgroundMarks?.firstPrediction);
    console.log(`# time to first prediction: ${firstPrediction?.toFixed(0)} ms after navigation`);
    await page.screenshot({ path: join(shots, 'digits.png'), fullPage: true });

    // Train it here: progress with test accuracy arrives from the worker while the page stays
    // responsive; Stop ends the run and the canvas switches to the model trained here.
    await page.click('#train-digits');
    await page.waitForFunction(() => document.querySelector('#digits-status')?.textContent?.includes('test accuracy'), undefined, { timeout: 40_000 });
    // A string, so that the test's TypeScript transform adds no helpers the page lacks.
    const frameGap = await page.evaluate(`new Promise((resolve) => {
      let last = performance.now(), worst = 0, frames = 0;
      const tick = (now) => {
        worst = Math.max(worst, now - last);
        last = now;
        if (++frames < 20) requestAnimationFrame(tick); else resolve(worst);
      };
      requestAnimationFrame(tick);
    })`) as number;
    assert.ok(frameGap < 500, `the page keeps drawing frames while the worker trains (worst gap ${frameGap.toFixed(0)} ms)`);
    await page.click('#stop-digits');
    await page.waitForFunction(() => document.querySelector('#digits-status')?.textContent?.startsWith('Stopped'));
    assert.equal(await page.inputValue('#model-source'), 'mine');
    assert.ok(await page.locator('#digits-curves svg path').count() >= 1, 'the loss curve is drawn');
    await page.screenshot({ path: join(shots, 'digits-trained.png'), fullPage: true });

    // Sequences: 20 epochs of the RNN in the worker; the loss falls.
    await page.goto(`${isolatedUrl}#sequences`);
    await page.selectOption('#cell', 'rnn');
    await page.fill('#sine-epochs', '20');
    await page.click('#train-sine');
    await page.waitForSelector('#sine-status[data-done="true"]', { timeout: 30_000 });
    const losses = JSON.parse((await page.getAttribute('#sine-status', 'data-losses'))!) as number[];
    assert.equal(losses.length, 20);
    assert.ok(losses[19]! < 0.7 * losses[0]!, `the loss falls: ${losses[0]} -> ${losses[19]}`);
    assert.equal(await page.locator('#sine-fit svg path').count(), 3, 'input, target and prediction drawn');
    await page.screenshot({ path: join(shots, 'sequences.png'), fullPage: true });

    // Attention: one heatmap per head, words as SVG text in any script.
    await page.goto(`${isolatedUrl}#attention`);
    await page.fill('#sentence', 'Le café est très bon, 한국어 문장');
    await page.waitForFunction(() => document.querySelectorAll('#attention-maps svg').length === 4 && document.querySelector('#attention-maps')!.textContent!.includes('한국어'));
    const labels = await page.locator('#attention-maps .head').first().locator('text').allTextContents();
    for (const word of ['café', 'très', '한국어', '문장']) assert.ok(labels.includes(word), `${word} labels the heatmap`);
    await page.screenshot({ path: join(shots, 'attention.png'), fullPage: true });

    // Embeddings: Word2Vec on the first 6000 words of the shipped corpus, then neighbours and the map.
    await page.goto(`${isolatedUrl}#embeddings`);
    await page.waitForFunction(() => (document.querySelector('#corpus') as HTMLTextAreaElement).value.length > 0);
    await page.evaluate(() => {
      const area = document.querySelector('#corpus') as HTMLTextAreaElement;
      area.value = area.value.split(/\s+/).slice(0, 6000).join(' ');
    });
    await page.fill('#w2v-epochs', '2');
    await page.click('#train-w2v');
    await page.waitForSelector('#w2v-status[data-done="true"]', { timeout: 40_000 });
    await page.fill('#query', 'whale');
    assert.equal(await page.locator('#neighbours li').count(), 10);
    assert.ok(await page.locator('#word-map g.word').count() >= 50);
    await page.screenshot({ path: join(shots, 'embeddings.png'), fullPage: true });

    // Fill-mask: BERT-Tiny downloads and runs in the worker; the top k tokens at the [MASK] are the ones
    // nabla finds in Node on the same shipped files, with probabilities in descending order summing to <= 1.
    // A fresh context, so that the page opens cold (no service-worker cache) and its timing is the first visit's.
    const bertContext = await browser.newContext({ viewport: { width: 1200, height: 900 } });
    const bertPage = await bertContext.newPage();
    watchErrors(bertPage, errors);
    await bertPage.goto(`${isolatedUrl}#fill-mask`);
    await bertPage.waitForSelector('#fill-results[data-text] .bar', { timeout: 60_000 });
    const firstFill = await bertPage.evaluate(() => (globalThis as { playgroundMarks?: { firstFill?: number } }).playgroundMarks?.firstFill);
    console.log(`# fill-mask: time to first prediction ${firstFill?.toFixed(0)} ms after navigation (cold)`);
    await bertContext.close();
    await page.goto(`${isolatedUrl}#fill-mask`);
    await page.waitForSelector('#fill-results[data-text] .bar', { timeout: 60_000 });
    assert.match((await page.textContent('#bert-card'))!, /BERT-Tiny .* held-out documents it guesses \d+\.\d% of the masked tokens/);
    const sentence = 'The president asked congress to [MASK] taxes.';
    await page.selectOption('#top-k', '5');
    await page.fill('#masked-text', sentence);
    await page.waitForFunction((s) => document.querySelector<HTMLElement>('#fill-results')?.dataset.text === s && document.querySelectorAll('#fill-results .bar').length === 5, sentence);
    const shown = await page.locator('#fill-results .bar').evaluateAll((bars) => bars.map((b) => ({ token: b.querySelector('.label')!.textContent!, score: Number((b as HTMLElement).dataset.score) })));
    const scores = shown.map((r) => r.score);
    assert.ok(scores.every((p, i) => p > 0 && p <= 1 && (i === 0 || p <= scores[i - 1]!)), `descending probabilities: ${scores}`);
    assert.ok(scores.reduce((a, b) => a + b, 0) <= 1 + 1e-6, `probabilities sum to at most 1: ${scores}`);
    const expected = fillMaskInNode(sentence, 5);
    assert.deepEqual(shown.map((r) => r.token), expected.map((r) => r.tokenStr), 'the page finds the tokens nabla finds in Node');
    expected.forEach((r, i) => assert.ok(Math.abs(r.score - scores[i]!) < 1e-4, `${r.tokenStr}: ${scores[i]} in the page, ${r.score} in Node`));
    assert.match((await page.textContent('#fill-results .sequence'))!, /the president asked congress to \S+ taxes\./);
    await page.screenshot({ path: join(shots, 'fill-mask.png'), fullPage: true });
    // A sentence without [MASK] is explained on the page, not thrown into the console.
    await page.fill('#masked-text', 'No mask here.');
    await page.waitForFunction(() => document.querySelector('#bert-status')?.textContent?.startsWith('Error'));
    assert.match((await page.textContent('#bert-status'))!, /holds no \[MASK\] token/);

    // Offline: the service worker serves the whole site from its cache.
    await page.goto(`${isolatedUrl}#digits`);
    await page.evaluate(() => navigator.serviceWorker.ready);
    await context.setOffline(true);
    await page.reload();
    await page.waitForFunction(() => document.querySelector('#digits-status')?.textContent?.startsWith('Ready'));
    await context.setOffline(false);

    // A page without COOP/COEP (service worker off) runs on one thread and says so.
    const plain = await context.newPage();
    watchErrors(plain, errors);
    await plain.goto(`${plainUrl}?nosw#digits`);
    await plain.waitForFunction(() => document.querySelector('#digits-status')?.textContent?.startsWith('Ready'));
    assert.equal(await plain.getAttribute('#threads', 'data-threads'), '1');
    assert.match((await plain.textContent('#threads'))!, /not cross-origin isolated/);
    await plain.screenshot({ path: join(shots, 'plain-one-thread.png') });
    assert.deepEqual(errors, [], 'no console errors');
  } finally {
    await browser.close();
    isolatedServer.close();
    plainServer.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
