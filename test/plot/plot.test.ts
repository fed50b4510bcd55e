import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';

import { glyphPixel, textWidth } from '../../src/plot/font.js';
import { PALETTE, heatmap, linePlot, scatterLabels, seriesColor, type Rgb, type RgbaImage } from '../../src/plot/plot.js';
import { decodePng, encodePng, savePng } from '../../src/plot/png.js';
import { pngChunk as chunk } from '../helpers/png-bytes.js';

function countColor(img: RgbaImage, c: Rgb, tolerance = 0): number {
  let n = 0;
  for (let i = 0; i < img.width * img.height; i++) {
    const p = i * 4;
    if (
      Math.abs(img.rgba[p]! - c[0]) <= tolerance &&
      Math.abs(img.rgba[p + 1]! - c[1]) <= tolerance &&
      Math.abs(img.rgba[p + 2]! - c[2]) <= tolerance
    ) {
      n++;
    }
  }
  return n;
}

function checkShape(img: RgbaImage, width?: number, height?: number): void {
  if (width !== undefined) assert.equal(img.width, width);
  if (height !== undefined) assert.equal(img.height, height);
  assert.equal(img.rgba.length, img.width * img.height * 4);
  for (let i = 3; i < img.rgba.length; i += 4) if (img.rgba[i] !== 255) assert.fail(`pixel ${(i - 3) / 4} is not opaque`);
}

const sine = (shift: number) => Array.from({ length: 100 }, (_, i) => Math.sin(i / 8 - shift));

test('the font has distinct glyphs for printable ASCII and measures text', () => {
  const bitmap = (ch: string) => {
    let s = '';
    for (let r = 0; r < 8; r++) for (let c = 0; c < 5; c++) s += glyphPixel(ch, c, r) ? '#' : '.';
    return s;
  };
  const seen = new Map<string, string>();
  for (let code = 0x21; code <= 0x7e; code++) {
    const ch = String.fromCharCode(code);
    const b = bitmap(ch);
    assert.ok(b.includes('#'), `glyph for ${ch} is empty`);
    assert.ok(!seen.has(b), `glyphs ${seen.get(b)} and ${ch} are identical`);
    seen.set(b, ch);
  }
  assert.ok(!bitmap(' ').includes('#'));
  assert.notEqual(bitmap('g'), bitmap('9'));
  assert.equal(textWidth('abc', 1), 17);
  assert.equal(textWidth('abc', 2), 34);
  assert.equal(textWidth(''), 0);
});

test('linePlot renders each series in its own colour at the requested size', () => {
  const img = linePlot({
    title: 'two sines',
    xLabel: 'step',
    yLabel: 'value',
    series: [
      { label: 'sin', values: sine(0) },
      { label: 'shifted', values: sine(1) },
    ],
  });
  checkShape(img, 800, 400);
  assert.ok(countColor(img, PALETTE[0]!) > 200, 'blue line pixels');
  assert.ok(countColor(img, PALETTE[1]!) > 200, 'orange line pixels');
  assert.equal(countColor(img, PALETTE[2]!), 0, 'no third colour');
  // Mostly white background, some dark text.
  assert.ok(countColor(img, [255, 255, 255]) > img.width * img.height * 0.6);
  assert.ok(countColor(img, [34, 34, 34]) > 500);

  const small = linePlot({ series: [{ label: 'loss', values: [1, 0.5, 0.3], x: [1, 2, 3] }], width: 320, height: 200 });
  checkShape(small, 320, 200);
  assert.ok(countColor(small, PALETTE[0]!) > 50);
  assert.throws(() => linePlot({ series: [{ label: 'bad', values: [1, 2], x: [1] }] }), /2 values but 1 x positions/);
  assert.throws(() => linePlot({ series: [], width: 50, height: 50 }), /no room/);
});

test('linePlot copes with NaN gaps, single points, constant and empty series', () => {
  const img = linePlot({
    series: [
      { label: 'gaps', values: [1, 2, NaN, 4, 5] },
      { label: 'single', values: [3] },
      { label: 'flat', values: [2, 2, 2] },
    ],
  });
  checkShape(img, 800, 400);
  for (let i = 0; i < 3; i++) assert.ok(countColor(img, seriesColor(i)) > 20, `series ${i} drawn`);
  checkShape(linePlot({ series: [] }));
  checkShape(linePlot({ series: [{ label: 'nan', values: [NaN] }] }));
  // Beyond the ten palette colours, colours stay distinct.
  const colours = new Set(Array.from({ length: 30 }, (_, i) => seriesColor(i).join(',')));
  assert.equal(colours.size, 30);
});

test('heatmap colours cells by value and validates its labels', () => {
  const matrix = [
    [0, 1, 2],
    [3, 4, 5],
  ];
  const img = heatmap({ matrix, rowLabels: ['a', 'b'], colLabels: ['x', 'y', 'z'], title: 'heat' });
  checkShape(img);
  // viridis ends: the lowest and highest cells (and the colour bar) show them.
  assert.ok(countColor(img, [68, 1, 84]) > 200, 'min colour');
  assert.ok(countColor(img, [253, 231, 37]) > 200, 'max colour');

  const words = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel'];
  const big = heatmap({
    matrix: Array.from({ length: 10 }, (_, r) => words.map((_, c) => r * c)),
    rowLabels: Array.from({ length: 10 }, (_, r) => `row ${r}`),
    colLabels: words,
    colormap: 'blues',
    xLabel: 'predicted',
    yLabel: 'true',
  });
  checkShape(big);
  assert.ok(countColor(big, [8, 48, 107]) > 100, 'darkest blue present');

  assert.throws(() => heatmap({ matrix: [[1, 2]], rowLabels: ['a', 'b'], colLabels: ['x', 'y'] }), /1 rows but 2 row labels/);
  assert.throws(() => heatmap({ matrix: [[1, 2], [3]], rowLabels: ['a', 'b'], colLabels: ['x', 'y'] }), /row 1 has 1 values/);
  assert.throws(() => heatmap({ matrix: [[1, 2]], rowLabels: ['a'], colLabels: ['x'] }), /2 columns but 1 column labels/);
});

test('scatterLabels colours points by label, in natural label order', () => {
  const points = Array.from({ length: 300 }, (_, i) => ({
    x: Math.cos(i) * (i % 3) + (i % 3) * 4,
    y: Math.sin(i) * 2,
    label: String(i % 3 === 0 ? 10 : i % 3), // labels '1', '2', '10': colours in that order
  }));
  const img = scatterLabels({ points, title: 'embedding' });
  checkShape(img, 720, 600);
  for (let i = 0; i < 3; i++) assert.ok(countColor(img, PALETTE[i]!, 40) > 100, `label ${i} colour`);
  assert.equal(countColor(img, PALETTE[3]!), 0);
  checkShape(scatterLabels({ points: [] }));
  checkShape(scatterLabels({ points: [{ x: 0, y: 0, label: 'only' }], width: 300, height: 240 }), 300, 240);
});

// ------------------------------------------------------------------------------------------------
// PNG

test('savePng writes the plots atomically and decodePng reads them back exactly', () => {
  const dir = mkdtempSync(join(tmpdir(), 'nabla-png-'));
  try {
    const images = {
      'line.png': linePlot({ series: [{ label: 'a', values: sine(0) }, { label: 'b', values: sine(2) }], title: 't' }),
      'heat.png': heatmap({ matrix: [[1, 2], [3, 4]], rowLabels: ['r0', 'r1'], colLabels: ['c0', 'c1'] }),
      'sub/dir/scatter.png': scatterLabels({ points: [{ x: 0, y: 0, label: 'a' }, { x: 1, y: 2, label: 'b' }] }),
    };
    for (const [name, img] of Object.entries(images)) {
      const path = join(dir, name);
      savePng(path, img);
      assert.ok(existsSync(path));
      const back = decodePng(readFileSync(path), name);
      assert.equal(back.width, img.width);
      assert.equal(back.height, img.height);
      assert.equal(back.channels, 4);
      assert.deepEqual(back.data, img.rgba);
    }
    assert.deepEqual(readdirSync(dir).sort(), ['heat.png', 'line.png', 'sub']);
    assert.deepEqual(readdirSync(join(dir, 'sub', 'dir')), ['scatter.png']);
    assert.throws(() => savePng(join(dir, 'bad.png'), { width: 2, height: 2, rgba: new Uint8Array(3) }), /needs 16 bytes, got 3/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** A PNG built by hand: colour type, bit depth 8, unfiltered rows of `samples`, optional PLTE. */
function handPng(width: number, height: number, colorType: number, samples: number[], palette?: number[]): Uint8Array {
  const perPixel = samples.length / (width * height);
  const raw: number[] = [];
  for (let y = 0; y < height; y++) raw.push(0, ...samples.slice(y * width * perPixel, (y + 1) * width * perPixel));
  return assemblePng(width, height, 8, colorType, 0, raw, palette);
}

/** Signature, IHDR, optional PLTE, one IDAT holding `raw` (filter bytes included) deflated, IEND. */
function assemblePng(width: number, height: number, depth: number, colorType: number, interlace: number, raw: number[], palette?: number[]): Uint8Array {
  const ihdr = new Uint8Array(13);
  const v = new DataView(ihdr.buffer);
  v.setUint32(0, width);
  v.setUint32(4, height);
  ihdr.set([depth, colorType, 0, 0, interlace], 8);
  const parts = [
    new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    ...(palette ? [chunk('PLTE', Uint8Array.from(palette))] : []),
    chunk('IDAT', deflateSync(Uint8Array.from(raw))),
    chunk('IEND', new Uint8Array(0)),
  ];
  return Buffer.concat(parts);
}

test('decodePng reads Adam7-interlaced and 16-bit files', () => {
  // 3x3 greyscale, pixel (x, y) = 10y + x + 1, in Adam7 pass order; passes 2 and 3 are empty at this size.
  const px = (x: number, y: number) => 10 * y + x + 1;
  const raw = [
    0, px(0, 0), // pass 1: (0,0)
    0, px(2, 0), // pass 4: (2,0)
    0, px(0, 2), px(2, 2), // pass 5: row y=2, x=0,2
    0, px(1, 0), 0, px(1, 2), // pass 6: x=1, rows y=0 and y=2
    0, px(0, 1), px(1, 1), px(2, 1), // pass 7: row y=1
  ];
  const img = decodePng(assemblePng(3, 3, 8, 0, 1, raw), 'adam7.png');
  assert.equal(img.channels, 1);
  assert.deepEqual(Array.from(img.data), [1, 2, 3, 11, 12, 13, 21, 22, 23]);
  // 16-bit greyscale, 2x1: scaled to 8 bits.
  const deep = decodePng(assemblePng(2, 1, 16, 0, 0, [0, 0xff, 0xff, 0x80, 0x00]), 'deep.png');
  assert.equal(deep.channels, 1);
  assert.deepEqual(Array.from(deep.data), [255, 128]);
});

test('decodePng keeps the file’s channels: grey, grey+alpha, RGB, RGBA and palette', () => {
  const grey = decodePng(handPng(2, 2, 0, [0, 85, 170, 255]));
  assert.deepEqual([grey.width, grey.height, grey.channels], [2, 2, 1]);
  assert.deepEqual(Array.from(grey.data), [0, 85, 170, 255]);

  const greyAlpha = decodePng(handPng(2, 1, 4, [10, 255, 20, 128]));
  assert.equal(greyAlpha.channels, 2);
  assert.deepEqual(Array.from(greyAlpha.data), [10, 255, 20, 128]);

  const rgb = decodePng(handPng(1, 2, 2, [1, 2, 3, 4, 5, 6]));
  assert.equal(rgb.channels, 3);
  assert.deepEqual(Array.from(rgb.data), [1, 2, 3, 4, 5, 6]);

  const pal = decodePng(handPng(3, 1, 3, [2, 0, 1], [255, 0, 0, 0, 255, 0, 0, 0, 255]));
  assert.equal(pal.channels, 3);
  assert.deepEqual(Array.from(pal.data), [0, 0, 255, 255, 0, 0, 0, 255, 0]);

  const rgba = decodePng(encodePng({ width: 1, height: 1, rgba: new Uint8Array([9, 8, 7, 6]) }));
  assert.equal(rgba.channels, 4);
  assert.deepEqual(Array.from(rgba.data), [9, 8, 7, 6]);
});

test('decodePng refuses corrupt input with a reason', () => {
  assert.throws(() => decodePng(new Uint8Array(0), 'empty.png'), /^Error: PNG: empty\.png is not a PNG file: .*empty/);
  assert.throws(
    () => decodePng(Buffer.from('GIF89a....'), 'cat.gif'),
    /^Error: PNG: cat\.gif is not a PNG file: it starts with 47 49 46 38 39 61 2E 2E, a PNG starts with 89 50 4E 47/,
  );
  const good = handPng(2, 2, 0, [0, 85, 170, 255]);
  assert.throws(() => decodePng(good.subarray(0, 45), 'cut.png'), /^Error: PNG: cut\.png is truncated: chunk IDAT at byte 33 needs \d+ bytes, 12 remain/);
  assert.throws(() => decodePng(good.subarray(0, 36), 'cut.png'), /^Error: PNG: cut\.png is truncated: it ends at byte 36/);
  const badCrc = Uint8Array.from(good);
  badCrc[30] = badCrc[30]! ^ 0xff; // IHDR's stored CRC (bytes 29..32) no longer matches its contents
  assert.throws(() => decodePng(badCrc, 'crc.png'), /^Error: PNG: crc\.png is damaged: chunk IHDR at byte 8 fails its CRC check/);
  const badIdat = Uint8Array.from(good);
  badIdat[good.length - 20] = badIdat[good.length - 20]! ^ 0xff; // inside IDAT's zlib data
  assert.throws(() => decodePng(badIdat, 'idat.png'), /^Error: PNG: idat\.png is damaged: chunk IDAT .* CRC/);
  // Chunks with valid CRCs around bad pixel data.
  const raw = handPng(4, 1, 0, [1, 2, 3, 4]);
  const withIdat = (idat: Uint8Array) =>
    Buffer.concat([raw.subarray(0, 33), chunk('IDAT', idat), chunk('IEND', new Uint8Array(0))]);
  assert.throws(() => decodePng(withIdat(Uint8Array.from([1, 2, 3, 4, 5])), 'junk.png'), /^Error: PNG: junk\.png has corrupt pixel data \(zlib: .+\)/);
  assert.throws(
    () => decodePng(withIdat(deflateSync(Uint8Array.from([0, 1, 2]))), 'short.png'),
    /^Error: PNG: short\.png has too little pixel data: 3 bytes, a 4x1 8-bit greyscale image needs 5/,
  );
  assert.throws(() => decodePng(withIdat(deflateSync(Uint8Array.from([7, 1, 2, 3, 4]))), 'filter.png'), /row filter type 7/);
  const noPalette = handPng(1, 1, 3, [0]);
  assert.throws(() => decodePng(noPalette, 'pal.png'), /palette image without a palette/);
  const noIend = raw.subarray(0, raw.length - 12);
  assert.throws(() => decodePng(noIend, 'noend.png'), /^Error: PNG: noend\.png is truncated: .*without an IEND chunk/);
});
