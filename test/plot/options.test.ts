/**
 * The plots check their options at run time: an unknown key (matplotlib's and snake_case spellings get
 * a did-you-mean), a missing required one, a value of the wrong type and a size out of range are errors
 * naming the function, the option and the value, for the pixel and the SVG twin alike.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { heatmap, heatmapSvg, linePlot, linePlotSvg, scatterLabels, scatterLabelsSvg } from '../../src/plot/plot.js';
import { ProgressBar } from '../../src/plot/progress.js';
import { decodePng, encodePng, savePng } from '../../src/plot/png.js';

const loose = (o: unknown) => o as never;
const series = [{ label: 'train', values: [3, 2, 1] }];
const matrix = { matrix: [[1, 2], [3, 4]], rowLabels: ['a', 'b'], colLabels: ['x', 'y'] };
const points = [{ x: 0, y: 0, label: '0' }, { x: 1, y: 1, label: '1' }];

test('linePlot and linePlotSvg', () => {
  for (const [name, draw] of [['linePlot', linePlot], ['linePlotSvg', linePlotSvg]] as const) {
    assert.throws(() => draw(loose({ series, xlabel: 'epoch' })), new RegExp(`${name}: unknown option 'xlabel' \\(did you mean 'xLabel'\\? nabla spells options in camelCase\\); known options: series, title`));
    assert.throws(() => draw(loose({ series, lw: 3 })), /unknown option 'lw' \(did you mean 'lineWidth'\?/);
    assert.throws(() => draw(loose({ series, titel: 'x' })), /unknown option 'titel' \(did you mean 'title'\?/);
    assert.throws(() => draw(loose({ title: 'loss' })), new RegExp(`${name}: option series is required; known options: series`));
    assert.throws(() => draw({ series, width: -800 }), new RegExp(`${name}: option width must be a positive integer, got number -800`));
    assert.throws(() => draw({ series, lineWidth: NaN }), /option lineWidth must be a finite number > 0, got number NaN/);
    assert.throws(() => draw(loose({ series: [{ name: 'train', values: [1] }] })), new RegExp(`${name}: series\\[0\\]: unknown option 'name'; known options: label, values, x`));
    assert.throws(() => draw(loose({ series: [{ label: 'train', values: Float32Array.of(1, 2) }] })), /series\[0\]: option values must be an array of numbers, got a Float32Array/);
  }
});

test('heatmap and heatmapSvg', () => {
  for (const [name, draw] of [['heatmap', heatmap], ['heatmapSvg', heatmapSvg]] as const) {
    assert.throws(() => draw(loose({ ...matrix, cmap: 'blues' })), new RegExp(`${name}: unknown option 'cmap' \\(did you mean 'colormap'\\?\\); known options: matrix, rowLabels, colLabels`));
    assert.throws(() => draw(loose({ ...matrix, show_values: true })), /unknown option 'show_values' \(did you mean 'showValues'\? nabla spells/);
    assert.throws(() => draw(loose({ ...matrix, colormap: 'magma' })), new RegExp(`${name}: option colormap must be one of "viridis", "blues", got the string "magma"`));
    assert.throws(() => draw({ ...matrix, cellWidth: 0 }), /option cellWidth must be a positive integer, got number 0/);
    assert.throws(() => draw(loose({ matrix: matrix.matrix, rowLabels: ['a', 'b'] })), new RegExp(`${name}: option colLabels is required`));
  }
});

test('scatterLabels and scatterLabelsSvg', () => {
  for (const [name, draw] of [['scatterLabels', scatterLabels], ['scatterLabelsSvg', scatterLabelsSvg]] as const) {
    assert.throws(() => draw(loose({ points, s: 3 })), new RegExp(`${name}: unknown option 's' \\(did you mean 'radius'\\?\\); known options: points, title`));
    assert.throws(() => draw(loose({ points, y_label: 'y' })), /did you mean 'yLabel'\?/);
    assert.throws(() => draw({ points, radius: -1 }), new RegExp(`${name}: option radius must be a finite number > 0, got number -1`));
    assert.throws(() => draw(loose(points)), new RegExp(`${name}: expected an options object \\{ points,`));
  }
});

test('ProgressBar', () => {
  const stream = () => {};
  assert.throws(() => new ProgressBar(loose({ total: 10, desc: 'epoch 1', stream })), /ProgressBar: unknown option 'desc' \(did you mean 'label'\?\); known options: total, label, width/);
  assert.throws(() => new ProgressBar(loose({ total: 10, units_per_step: 64, stream })), /unknown option 'units_per_step' \(did you mean 'unitsPerStep'\? nabla spells/);
  assert.throws(() => new ProgressBar({ total: NaN, stream }), /ProgressBar: option total must be a finite number >= 0, got number NaN/);
  assert.throws(() => new ProgressBar({ total: 10, width: 0, stream }), /option width must be a positive integer, got number 0/);
  assert.throws(() => new ProgressBar(loose({ label: 'x', stream })), /ProgressBar: option total is required/);
});

test('decodePng and savePng', () => {
  const png = encodePng({ width: 1, height: 1, rgba: Uint8Array.of(1, 2, 3, 255) });
  assert.equal(decodePng(png, 'dot', { maxPixels: 1 }).width, 1);
  assert.throws(() => decodePng(png, 'dot', loose({ max_pixels: 4 })), /decodePng: unknown option 'max_pixels' \(did you mean 'maxPixels'\? nabla spells options in camelCase\); known options: maxPixels/);
  assert.throws(() => decodePng(png, 'dot', loose({ limit: 4 })), /decodePng: unknown option 'limit'; known options: maxPixels/);
  assert.throws(() => decodePng(png, 'dot', { maxPixels: 0 }), /decodePng: option maxPixels must be a positive integer, got number 0/);
  assert.throws(() => decodePng(png, loose({ maxPixels: 4 })), /decodePng: the second argument is the image's name for errors, got an object/);
  assert.throws(() => savePng(loose({ width: 1, height: 1, rgba: new Uint8Array(4) }), loose('out.png')), /savePng: the first argument is the file path, got an object \(savePng\(path, image\)\)/);
});
