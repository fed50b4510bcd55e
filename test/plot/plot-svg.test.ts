// The SVG twin of each plot: same layout as the PNG, labels as <text> in any script (accents, Hangul).
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { glyphColumns, textWidth } from '../../src/plot/font.js';
import { wordMap, wordMapSvg } from '../../src/embeddings/plot.js';
import { heatmap, heatmapSvg, linePlot, linePlotSvg, scatterLabels, scatterLabelsSvg } from '../../src/plot/plot.js';

function texts(svg: string): string[] {
  return [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]!);
}

function size(svg: string): [number, number] {
  const m = /<svg[^>]* width="(\d+)" height="(\d+)"/.exec(svg);
  assert.ok(m, 'an <svg> root with width and height');
  return [Number(m[1]), Number(m[2])];
}

const words = ['café', '한국어', 'naïve', 'Ångström'];

test('heatmapSvg: accented and Korean labels are <text> elements, the size is the PNG\'s', () => {
  const options = { matrix: [[0.1, 0.9, 0, 0], [0.5, 0.5, 0, 0], [0, 0, 1, 0], [0.25, 0.25, 0.25, 0.25]], rowLabels: words, colLabels: words, title: 'head 1 · 주의' };
  const svg = heatmapSvg(options);
  const png = heatmap(options);
  assert.deepEqual(size(svg), [png.width, png.height]);
  const t = texts(svg);
  for (const w of words) assert.equal(t.filter((s) => s === w).length, 2, `${w} as a row and a column label`);
  assert.ok(t.includes('head 1 · 주의'));
  assert.equal((svg.match(/<rect /g) ?? []).length > 16, true, 'one rect per cell at least');
});

test('linePlotSvg and scatterLabelsSvg: series as paths, points as circles, markup escaped', () => {
  const line = linePlotSvg({ series: [{ label: 'perte <train>', values: [3, 2, 1.5, 1] }, { label: 'test', values: [3.2, 2.5, NaN, 1.4] }], title: 'Entraînement' });
  assert.equal((line.match(/<path /g) ?? []).length, 2);
  assert.ok(texts(line).includes('perte &lt;train&gt;'));
  assert.ok(texts(line).includes('Entraînement'));
  assert.deepEqual(size(line), [linePlot({ series: [{ label: 'x', values: [1] }] }).width, 400]);
  const points = words.map((label, i) => ({ x: i, y: i * i, label }));
  const scatter = scatterLabelsSvg({ points });
  assert.equal((scatter.match(/<circle /g) ?? []).length, points.length * 2, 'a marker per point and per legend entry');
  const png = scatterLabels({ points });
  assert.deepEqual(size(scatter), [png.width, png.height]);
});

test('bitmap font: accents fall back to the base letter, wide scripts take two cells', () => {
  assert.deepEqual([...glyphColumns('é')], [...glyphColumns('e')]);
  assert.deepEqual([...glyphColumns('Å')], [...glyphColumns('A')]);
  assert.equal(textWidth('한국', 1), textWidth('abcd', 1));
  assert.equal(textWidth('café', 1), textWidth('cafe', 1));
  assert.equal(textWidth('cafe\u0301', 1), textWidth('cafe', 1), 'a combining accent joins its letter');
});

test('wordMapSvg: each word is <text> beside its dot, accents and Hangul kept', () => {
  const points = words.map((word, i) => ({ word, x: Math.cos(i), y: Math.sin(i), group: i < 2 ? 'a' : 'b' }));
  const svg = wordMapSvg(points, { title: 'Carte des mots', width: 400, height: 300 });
  const png = wordMap(points, { title: 'Carte des mots', width: 400, height: 300 });
  assert.deepEqual(size(svg), [png.width, png.height]);
  const t = texts(svg);
  for (const w of words) assert.ok(t.includes(w), `${w} labels its dot`);
  assert.equal((svg.match(/<circle /g) ?? []).length, words.length + 2, 'a dot per word and per group');
});
