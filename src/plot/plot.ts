// Plots: line plots (training curves), heatmaps (confusion matrices, attention) and labelled scatter plots
// (embeddings), each laid out once and drawn on a Surface: RGBA pixels with an embedded ASCII bitmap font
// (src/plot/png.ts turns them into a PNG file), or SVG, whose <text> elements show any script (accents,
// Hangul). Pure arithmetic, so both run in Node and in the browser.

import { GLYPH_HEIGHT, textWidth } from './font.js';
import { RasterSurface } from './raster.js';
import { SvgSurface, type Surface, type SurfaceRect } from './svg.js';
import { POSITIVE_INTEGER, POSITIVE_NUMBER } from '../util/options.js';
import { checkPlotOptions } from './options.js';

/** An image: `rgba` holds width*height pixels, row-major from the top-left, 4 bytes each. */
export interface RgbaImage {
  width: number;
  height: number;
  rgba: Uint8Array;
}

/** An RGB colour, 0-255 per channel. */
export type Rgb = readonly [number, number, number];

/** Series and class colours: matplotlib's "tab10", distinct and readable on white. */
export const PALETTE: readonly Rgb[] = [
  [31, 119, 180], // blue
  [255, 127, 14], // orange
  [44, 160, 44], // green
  [214, 39, 40], // red
  [148, 103, 189], // purple
  [140, 86, 75], // brown
  [227, 119, 194], // pink
  [127, 127, 127], // grey
  [188, 189, 34], // olive
  [23, 190, 207], // cyan
];

/** The i-th distinct colour: PALETTE first, then hues spread by the golden angle. */
export function seriesColor(i: number): Rgb {
  if (i < PALETTE.length) return PALETTE[i]!;
  const h = ((i - PALETTE.length) * 137.508 + 15) % 360;
  return hslToRgb(h, 0.65, i % 2 === 0 ? 0.42 : 0.55);
}

function hslToRgb(h: number, s: number, l: number): Rgb {
  const c = (1 - Math.abs(2 * l - 1)) * s;
  const x = c * (1 - Math.abs(((h / 60) % 2) - 1));
  const m = l - c / 2;
  const [r, g, b] = h < 60 ? [c, x, 0] : h < 120 ? [x, c, 0] : h < 180 ? [0, c, x] : h < 240 ? [0, x, c] : h < 300 ? [x, 0, c] : [c, 0, x];
  return [Math.round((r + m) * 255), Math.round((g + m) * 255), Math.round((b + m) * 255)];
}

const WHITE: Rgb = [255, 255, 255];
const TEXT: Rgb = [34, 34, 34];
const AXIS: Rgb = [68, 68, 68];
const GRID: Rgb = [228, 228, 228];
const MUTED: Rgb = [200, 200, 200];

/** Font scale for all text: the 5x7 font doubled, i.e. 10x14-pixel characters. */
const FS = 2;
const CHAR_H = GLYPH_HEIGHT * FS;

type Rect = SurfaceRect;

// ---------------------------------------------------------------------------------------------------------
// Axes: nice ticks, tick labels, frame.

interface Ticks {
  lo: number;
  hi: number;
  values: number[];
  labels: string[];
}

function niceStep(range: number, target: number, integer: boolean): number {
  const rough = range / Math.max(1, target);
  const mag = Math.pow(10, Math.floor(Math.log10(rough)));
  const norm = rough / mag;
  let step = (norm < 1.5 ? 1 : norm < 3 ? 2 : norm < 7 ? 5 : 10) * mag;
  if (integer) step = Math.max(1, Math.round(step));
  return step;
}

/** Tick labels for one axis: fixed decimals enough for the step, or exponent form for very large or small values. */
function formatTicks(values: number[], step: number): string[] {
  const maxAbs = Math.max(...values.map(Math.abs));
  const exponent = maxAbs >= 1e6 || step < 1e-4;
  const decimals = Math.max(0, Math.min(10, -Math.floor(Math.log10(step) + 1e-9)));
  return values.map((v) => {
    if (Math.abs(v) < step * 1e-6) return exponent ? '0' : (0).toFixed(decimals);
    return exponent ? v.toExponential(1).replace('e+', 'e') : v.toFixed(decimals);
  });
}

/**
 * Ticks for [min, max]. With `snap`, the axis grows to the enclosing ticks (tidy for values);
 * otherwise it keeps [min, max] with a small margin (for positions such as epochs).
 */
function makeTicks(min: number, max: number, target: number, opts: { snap: boolean; integer?: boolean; margin?: number }): Ticks {
  if (!Number.isFinite(min) || !Number.isFinite(max)) {
    min = 0;
    max = 1;
  }
  if (max - min < 1e-12 * Math.max(1, Math.abs(min))) {
    const pad = Math.abs(min) > 0 ? Math.abs(min) * 0.1 : 1;
    min -= pad;
    max += pad;
  }
  const step = niceStep(max - min, target, opts.integer ?? false);
  let lo: number;
  let hi: number;
  if (opts.snap) {
    lo = Math.floor(min / step + 1e-9) * step;
    hi = Math.ceil(max / step - 1e-9) * step;
  } else {
    const m = (max - min) * (opts.margin ?? 0);
    lo = min - m;
    hi = max + m;
  }
  const values: number[] = [];
  for (let k = Math.ceil(lo / step - 1e-9); k * step <= hi + step * 1e-9; k++) values.push(k * step);
  return { lo, hi, values, labels: formatTicks(values, step) };
}

/** Ticks whose labels fit side by side across `length` pixels. */
function fittingTicks(min: number, max: number, length: number, opts: { snap: boolean; integer?: boolean; margin?: number }): Ticks {
  for (let target = Math.max(2, Math.floor(length / 70)); target >= 2; target--) {
    const t = makeTicks(min, max, target, opts);
    const widest = Math.max(...t.labels.map((l) => textWidth(l, FS)));
    if ((widest + 16) * t.values.length <= length) return t;
  }
  return makeTicks(min, max, 1, opts);
}

interface Frame {
  plot: Rect;
  xTicks: Ticks;
  yTicks: Ticks;
  sx: (x: number) => number;
  sy: (y: number) => number;
}

interface FrameSpec {
  width: number;
  height: number;
  title?: string;
  xLabel?: string;
  yLabel?: string;
  xRange: [number, number];
  yRange: [number, number];
  xInteger: boolean;
  /** Extra space kept free on the right (an outside legend). */
  rightExtra?: number;
  /** Extra space kept free between the title and the plot (a legend row). */
  topExtra?: number;
}

/** Fraction of the data range left free at each end of an axis, so that nothing touches the frame. */
const AXIS_MARGIN = 0.05;

const TICK = 5;

function layoutFrame(spec: FrameSpec): Frame {
  const top = (spec.title ? 12 + CHAR_H + 14 : 18) + (spec.topExtra ?? 0);
  const bottom = 6 + TICK + CHAR_H + (spec.xLabel ? 12 + CHAR_H : 0) + 12;
  const right = 24 + (spec.rightExtra ?? 0);
  // The left margin depends on the y tick labels, which depend on the plot height only.
  const plotH = spec.height - top - bottom;
  if (plotH < 40) throw new Error(`plot: height ${spec.height} leaves no room for the plot`);
  const yTicks = fittingTicksVertical(spec.yRange[0], spec.yRange[1], plotH);
  const yLabelW = Math.max(...yTicks.labels.map((l) => textWidth(l, FS)));
  const left = 12 + (spec.yLabel ? CHAR_H + 12 : 0) + yLabelW + 6 + TICK;
  const plotW = spec.width - left - right;
  if (plotW < 40) throw new Error(`plot: width ${spec.width} leaves no room for the plot`);
  const xTicks = fittingTicks(spec.xRange[0], spec.xRange[1], plotW, {
    snap: false,
    integer: spec.xInteger,
    margin: spec.xInteger ? 0.02 : AXIS_MARGIN,
  });
  const plot = { x: left, y: top, w: plotW, h: plotH };
  const sx = (x: number) => plot.x + ((x - xTicks.lo) / (xTicks.hi - xTicks.lo)) * plot.w;
  const sy = (y: number) => plot.y + plot.h - ((y - yTicks.lo) / (yTicks.hi - yTicks.lo)) * plot.h;
  return { plot, xTicks, yTicks, sx, sy };
}

function fittingTicksVertical(min: number, max: number, length: number): Ticks {
  return makeTicks(min, max, Math.max(2, Math.min(10, Math.floor(length / 55))), { snap: false, margin: AXIS_MARGIN });
}

/** Background grid (under the data). */
function drawGrid(cv: Surface, f: Frame): void {
  const { plot } = f;
  for (const v of f.xTicks.values) {
    const x = Math.floor(f.sx(v));
    if (x > plot.x && x < plot.x + plot.w - 1) cv.fillRect(x, plot.y, 1, plot.h, GRID);
  }
  for (const v of f.yTicks.values) {
    const y = Math.min(plot.y + plot.h - 1, Math.floor(f.sy(v)));
    if (y > plot.y && y < plot.y + plot.h - 1) cv.fillRect(plot.x, y, plot.w, 1, GRID);
  }
}

/** Frame, ticks, tick labels, axis labels and title (over the data). */
function drawAxes(cv: Surface, f: Frame, spec: FrameSpec): void {
  const { plot } = f;
  cv.strokeRect(plot.x - 1, plot.y - 1, plot.w + 2, plot.h + 2, AXIS);
  const below = plot.y + plot.h + 1;
  for (let i = 0; i < f.xTicks.values.length; i++) {
    const x = Math.floor(f.sx(f.xTicks.values[i]!));
    if (x < plot.x - 1 || x > plot.x + plot.w) continue;
    cv.fillRect(x, below, 1, TICK, AXIS);
    cv.text(x + 0.5, below + TICK + 5, f.xTicks.labels[i]!, TEXT, { align: 'center' });
  }
  for (let i = 0; i < f.yTicks.values.length; i++) {
    const y = Math.min(plot.y + plot.h - 1, Math.floor(f.sy(f.yTicks.values[i]!)));
    cv.fillRect(plot.x - 1 - TICK, y, TICK, 1, AXIS);
    cv.text(plot.x - 1 - TICK - 6, y - CHAR_H / 2 + 1, f.yTicks.labels[i]!, TEXT, { align: 'right' });
  }
  if (spec.xLabel) {
    cv.text(plot.x + plot.w / 2, below + TICK + 5 + CHAR_H + 12, spec.xLabel, TEXT, { align: 'center' });
  }
  if (spec.yLabel) cv.textUp(12, plot.y + plot.h / 2, spec.yLabel, TEXT);
  if (spec.title) drawTitle(cv, spec.title, plot.x + plot.w / 2);
}

function drawTitle(cv: Surface, title: string, cx: number): void {
  // Centred on the plot, but kept inside the image.
  const w = textWidth(title, FS) + 1;
  const x = Math.min(Math.max(cx - w / 2, 8), Math.max(8, cv.width - 8 - w));
  cv.text(x, 12, title, TEXT, { bold: true });
}

interface LegendEntry {
  label: string;
  color: Rgb;
  kind: 'line' | 'dot';
}

const LEGEND_ROW = CHAR_H + 8;
const SWATCH = 24;

function legendSize(entries: LegendEntry[]): { w: number; h: number } {
  const widest = Math.max(0, ...entries.map((e) => textWidth(e.label, FS)));
  return { w: 10 + SWATCH + 8 + widest + 12, h: 8 + entries.length * LEGEND_ROW };
}

const ROW_GAP = 22;

function legendRowWidth(entries: LegendEntry[]): number {
  return entries.reduce((w, e) => w + SWATCH + 8 + textWidth(e.label, FS), 0) + ROW_GAP * Math.max(0, entries.length - 1);
}

/** A legend laid out in one row, without a box (it sits outside the plot). */
function drawLegendRow(cv: Surface, entries: LegendEntry[], x: number, y: number): void {
  let at = x;
  const midY = y + 4 + CHAR_H / 2;
  for (const e of entries) {
    if (e.kind === 'line') cv.fillRect(at, Math.round(midY - 1.5), SWATCH, 3, e.color);
    else cv.disc(at + SWATCH / 2, midY, 5, e.color);
    cv.text(at + SWATCH + 8, y + 4, e.label, TEXT);
    at += SWATCH + 8 + textWidth(e.label, FS) + ROW_GAP;
  }
}

function drawLegend(cv: Surface, entries: LegendEntry[], x: number, y: number): void {
  const { w, h } = legendSize(entries);
  cv.fillRect(x, y, w, h, WHITE, 0.88);
  cv.strokeRect(x, y, w, h, MUTED);
  entries.forEach((e, i) => {
    const rowY = y + 8 + i * LEGEND_ROW;
    const midY = rowY + CHAR_H / 2;
    if (e.kind === 'line') cv.fillRect(x + 10, Math.round(midY - 1.5), SWATCH, 3, e.color);
    else cv.disc(x + 10 + SWATCH / 2, midY, 5, e.color);
    cv.text(x + 10 + SWATCH + 8, rowY, e.label, TEXT);
  });
}

function finiteRange(values: Iterable<number>): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return lo <= hi ? [lo, hi] : [0, 1];
}

// ---------------------------------------------------------------------------------------------------------
// Line plot.

/** A named series of a line plot. */
export interface LineSeries {
  label: string;
  values: number[];
  /** x positions (default 0, 1, 2, ...); same length as values. */
  x?: number[];
}

/** Options of `linePlot`: series, size, title, axis labels. */
export interface LinePlotOptions {
  series: LineSeries[];
  title?: string;
  width?: number;
  height?: number;
  xLabel?: string;
  yLabel?: string;
  /** Line width in pixels (default 2). */
  lineWidth?: number;
}

/** Line plot of one or more series (e.g. train and test loss per epoch), with axes, grid and legend, as RGBA pixels (ASCII labels; accented letters lose their accents, other scripts show boxes). */
export function linePlot(options: LinePlotOptions): RgbaImage {
  return drawLinePlot('linePlot', options, (w, h) => new RasterSurface(w, h)).image();
}

/** The same plot as `linePlot`, as an SVG document whose labels are <text> in any script. */
export function linePlotSvg(options: LinePlotOptions): string {
  return drawLinePlot('linePlotSvg', options, (w, h) => new SvgSurface(w, h)).toString();
}

function drawLinePlot<S extends Surface>(where: string, options: LinePlotOptions, make: (width: number, height: number) => S): S {
  checkPlotOptions(where, options, {
    series: 'array', title: 'string', width: POSITIVE_INTEGER, height: POSITIVE_INTEGER, xLabel: 'string', yLabel: 'string', lineWidth: POSITIVE_NUMBER,
  }, ['series']);
  options.series.forEach((s, i) => checkPlotOptions(`${where}: series[${i}]`, s, { label: 'string', values: 'numbers', x: 'numbers' }, ['values']));
  const { series, title, xLabel, yLabel } = options;
  const width = options.width ?? 800;
  const height = options.height ?? 400;
  const lineWidth = options.lineWidth ?? 2;
  series.forEach((s, i) => {
    if (s.x && s.x.length !== s.values.length) {
      throw new Error(`linePlot: series ${i} ('${s.label}') has ${s.values.length} values but ${s.x.length} x positions`);
    }
  });
  const xsOf = (s: LineSeries) => s.x ?? s.values.map((_, i) => i);
  const allX = series.flatMap((s) => xsOf(s).filter((_, i) => Number.isFinite(s.values[i]!)));
  const allY = series.flatMap((s) => s.values);
  const xInteger = allX.every((x) => Number.isInteger(x));
  const spec: FrameSpec = {
    width,
    height,
    title,
    xLabel,
    yLabel,
    xRange: finiteRange(allX),
    yRange: finiteRange(allY),
    xInteger,
  };
  const entries = series.map((s, i): LegendEntry => ({ label: s.label, color: seriesColor(i), kind: 'line' }));
  const withLegend = entries.length > 0 && entries.some((e) => e.label);
  const project = (f: Frame) => ({
    px: series.map((s) => xsOf(s).map(f.sx)),
    py: series.map((s) => s.values.map((v) => (Number.isFinite(v) ? f.sy(v) : NaN))),
  });

  let f = layoutFrame(spec);
  let pts = project(f);
  // The legend goes in a free corner of the plot; when every corner has data under it, in a row above the
  // plot (or, when a row is too narrow for it, in a column on the right).
  let legendAt: { x: number; y: number; row: boolean } | undefined;
  if (withLegend) {
    const samples = densify(pts.px, pts.py);
    const inside = legendPosition(f.plot, legendSize(entries), samples.xs, samples.ys);
    if (inside) {
      legendAt = { ...inside, row: false };
    } else if (legendRowWidth(entries) <= width - 40) {
      f = layoutFrame({ ...spec, topExtra: LEGEND_ROW + 6 });
      pts = project(f);
      legendAt = { x: f.plot.x + f.plot.w - legendRowWidth(entries), y: f.plot.y - LEGEND_ROW - 8, row: true };
    } else {
      f = layoutFrame({ ...spec, rightExtra: legendSize(entries).w + 4 });
      pts = project(f);
      legendAt = { x: f.plot.x + f.plot.w + 14, y: f.plot.y, row: false };
    }
  }
  const cv = make(width, height);
  drawGrid(cv, f);
  series.forEach((_, i) => cv.polyline(pts.px[i]!, pts.py[i]!, seriesColor(i), lineWidth, f.plot));
  drawAxes(cv, f, spec);
  if (legendAt?.row) drawLegendRow(cv, entries, legendAt.x, legendAt.y);
  else if (legendAt) drawLegend(cv, entries, legendAt.x, legendAt.y);
  return cv;
}

/** Points along every drawn segment, a few pixels apart, so that a legend box a line crosses counts as covering it. */
function densify(px: number[][], py: number[][]): { xs: number[]; ys: number[] } {
  const xs: number[] = [];
  const ys: number[] = [];
  for (let s = 0; s < px.length; s++) {
    const X = px[s]!;
    const Y = py[s]!;
    for (let i = 0; i < X.length; i++) {
      if (!Number.isFinite(X[i]!) || !Number.isFinite(Y[i]!)) continue;
      xs.push(X[i]!);
      ys.push(Y[i]!);
      if (i + 1 < X.length && Number.isFinite(X[i + 1]!) && Number.isFinite(Y[i + 1]!)) {
        const steps = Math.min(200, Math.floor(Math.hypot(X[i + 1]! - X[i]!, Y[i + 1]! - Y[i]!) / 4));
        for (let k = 1; k < steps; k++) {
          xs.push(X[i]! + ((X[i + 1]! - X[i]!) * k) / steps);
          ys.push(Y[i]! + ((Y[i + 1]! - Y[i]!) * k) / steps);
        }
      }
    }
  }
  return { xs, ys };
}

/** A place inside the plot (corners first, then the middle of the top and bottom edges) where the legend hides no data. */
function legendPosition(plot: Rect, size: { w: number; h: number }, xs: number[], ys: number[]): { x: number; y: number } | undefined {
  const m = 10;
  if (size.w + 2 * m > plot.w || size.h + 2 * m > plot.h) return undefined;
  const right = plot.x + plot.w - size.w - m;
  const left = plot.x + m;
  const centre = Math.round(plot.x + (plot.w - size.w) / 2);
  const top = plot.y + m;
  const bottom = plot.y + plot.h - size.h - m;
  const candidates = [
    { x: right, y: top },
    { x: left, y: top },
    { x: right, y: bottom },
    { x: left, y: bottom },
    { x: centre, y: top },
    { x: centre, y: bottom },
  ];
  return candidates.find((c) => {
    for (let i = 0; i < xs.length; i++) {
      const x = xs[i]!;
      const y = ys[i]!;
      if (x >= c.x - 4 && x <= c.x + size.w + 4 && y >= c.y - 4 && y <= c.y + size.h + 4) return false;
    }
    return true;
  });
}

// ---------------------------------------------------------------------------------------------------------
// Heatmap.

/** Options of `heatmap`: the matrix, labels, title, colours. */
export interface HeatmapOptions {
  /** rows x cols values; NaN cells are drawn grey. */
  matrix: number[][];
  rowLabels: string[];
  colLabels: string[];
  title?: string;
  /** Axis titles: under the column labels, and left of the row labels (e.g. 'predicted', 'true'). */
  xLabel?: string;
  yLabel?: string;
  /** Colour scale: 'viridis' (default) or 'blues' (white to dark blue, the usual confusion-matrix look). */
  colormap?: 'viridis' | 'blues';
  /** Write each value in its cell (default: when the cells are large enough). */
  showValues?: boolean;
  /** How to write a value (default: integers as is, otherwise 2 decimals, or 3 significant digits). */
  formatValue?: (v: number) => string;
  /** Cell size in pixels (default: fitted to the values' text, at least 44x32). */
  cellWidth?: number;
  cellHeight?: number;
}

const VIRIDIS: Rgb[] = [
  [68, 1, 84],
  [72, 40, 120],
  [62, 74, 137],
  [49, 104, 142],
  [38, 130, 142],
  [31, 158, 137],
  [53, 183, 121],
  [109, 205, 89],
  [180, 222, 44],
  [253, 231, 37],
];
const BLUES: Rgb[] = [
  [247, 251, 255],
  [222, 235, 247],
  [198, 219, 239],
  [158, 202, 225],
  [107, 174, 214],
  [66, 146, 198],
  [33, 113, 181],
  [8, 81, 156],
  [8, 48, 107],
];

function colormap(stops: Rgb[], t: number): Rgb {
  const u = Math.min(1, Math.max(0, t)) * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(u));
  const f = u - i;
  const a = stops[i]!;
  const b = stops[i + 1]!;
  return [Math.round(a[0] + (b[0] - a[0]) * f), Math.round(a[1] + (b[1] - a[1]) * f), Math.round(a[2] + (b[2] - a[2]) * f)];
}

function luminance(c: Rgb): number {
  return 0.299 * c[0] + 0.587 * c[1] + 0.114 * c[2];
}

function defaultValueFormat(values: number[]): (v: number) => string {
  if (values.every((v) => !Number.isFinite(v) || Number.isInteger(v))) return (v) => String(v);
  const maxAbs = Math.max(0, ...values.filter(Number.isFinite).map(Math.abs));
  if (maxAbs >= 100) return (v) => v.toFixed(0);
  if (maxAbs >= 0.01) return (v) => v.toFixed(2);
  return (v) => v.toPrecision(2);
}

/** A heatmap (e.g. a confusion matrix) with row and column labels, optional values in the cells, and a colour bar, as RGBA pixels (ASCII labels; accented letters lose their accents, other scripts show boxes). */
export function heatmap(options: HeatmapOptions): RgbaImage {
  return drawHeatmap('heatmap', options, (w, h) => new RasterSurface(w, h)).image();
}

/** The same plot as `heatmap`, as an SVG document whose labels are <text> in any script. */
export function heatmapSvg(options: HeatmapOptions): string {
  return drawHeatmap('heatmapSvg', options, (w, h) => new SvgSurface(w, h)).toString();
}

function drawHeatmap<S extends Surface>(where: string, options: HeatmapOptions, make: (width: number, height: number) => S): S {
  checkPlotOptions(where, options, {
    matrix: 'array', rowLabels: 'array', colLabels: 'array', title: 'string', xLabel: 'string', yLabel: 'string', colormap: ['viridis', 'blues'],
    showValues: 'boolean', formatValue: 'function', cellWidth: POSITIVE_INTEGER, cellHeight: POSITIVE_INTEGER,
  }, ['matrix', 'rowLabels', 'colLabels']);
  const { matrix, rowLabels, colLabels, title, xLabel, yLabel } = options;
  const rows = matrix.length;
  if (rows === 0) throw new Error('heatmap: the matrix has no rows');
  const cols = matrix[0]!.length;
  if (cols === 0) throw new Error('heatmap: the matrix has no columns');
  matrix.forEach((r, i) => {
    if (r.length !== cols) throw new Error(`heatmap: row ${i} has ${r.length} values, row 0 has ${cols}`);
  });
  if (rowLabels.length !== rows) throw new Error(`heatmap: ${rows} rows but ${rowLabels.length} row labels`);
  if (colLabels.length !== cols) throw new Error(`heatmap: ${cols} columns but ${colLabels.length} column labels`);

  const flat = matrix.flat();
  const [vmin, vmax0] = finiteRange(flat);
  const vmax = vmax0 > vmin ? vmax0 : vmin + 1;
  const fmt = options.formatValue ?? defaultValueFormat(flat);
  const stops = options.colormap === 'blues' ? BLUES : VIRIDIS;
  const valueTextW = Math.max(...flat.map((v) => (Number.isFinite(v) ? textWidth(fmt(v), FS) : 0)));
  const cellW = options.cellWidth ?? Math.max(44, valueTextW + 12);
  const cellH = options.cellHeight ?? 32;
  const showValues = options.showValues ?? (valueTextW + 6 <= cellW && CHAR_H + 4 <= cellH);

  // Column labels run horizontally when they fit their cell, otherwise upwards.
  const colLabelW = Math.max(...colLabels.map((l) => textWidth(l, FS)));
  const colVertical = colLabelW + 6 > cellW;
  const colLabelBand = colVertical ? colLabelW : CHAR_H;
  const rowLabelW = Math.max(...rowLabels.map((l) => textWidth(l, FS)));

  const gridW = cols * cellW;
  const gridH = rows * cellH;
  const barW = 18;
  const cbTicks = makeTicks(vmin, vmax, Math.max(2, Math.floor(gridH / 60)), { snap: false });
  const cbLabelW = Math.max(...cbTicks.labels.map((l) => textWidth(l, FS)));
  const left = 14 + (yLabel ? CHAR_H + 12 : 0) + rowLabelW + 8;
  const top = title ? 12 + CHAR_H + 16 : 16;
  const bottom = 8 + colLabelBand + (xLabel ? 12 + CHAR_H : 0) + 14;
  const barX = left + gridW + 20;
  let width = barX + barW + TICK + 6 + cbLabelW + 16;
  if (title) width = Math.max(width, textWidth(title, FS) + 32);
  const height = top + gridH + bottom;

  const cv = make(width, height);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const v = matrix[r]![c]!;
      const x = left + c * cellW;
      const y = top + r * cellH;
      if (!Number.isFinite(v)) {
        cv.fillRect(x, y, cellW, cellH, [225, 225, 225]);
        continue;
      }
      const color = colormap(stops, (v - vmin) / (vmax - vmin));
      cv.fillRect(x, y, cellW, cellH, color);
      if (showValues) {
        const ink: Rgb = luminance(color) > 140 ? TEXT : WHITE;
        cv.text(x + cellW / 2, y + (cellH - CHAR_H) / 2, fmt(v), ink, { align: 'center' });
      }
    }
  }
  // Thin white separators keep neighbouring cells of close colour apart.
  for (let c = 1; c < cols; c++) cv.fillRect(left + c * cellW, top, 1, gridH, WHITE, 0.6);
  for (let r = 1; r < rows; r++) cv.fillRect(left, top + r * cellH, gridW, 1, WHITE, 0.6);
  cv.strokeRect(left - 1, top - 1, gridW + 2, gridH + 2, AXIS);

  rowLabels.forEach((l, r) => cv.text(left - 8, top + r * cellH + (cellH - CHAR_H) / 2, l, TEXT, { align: 'right' }));
  colLabels.forEach((l, c) => {
    const cx = left + c * cellW + cellW / 2;
    if (colVertical) {
      const w = textWidth(l, FS);
      cv.textUp(cx - CHAR_H / 2, top + gridH + 8 + w / 2, l, TEXT);
    } else {
      cv.text(cx, top + gridH + 8, l, TEXT, { align: 'center' });
    }
  });
  if (xLabel) cv.text(left + gridW / 2, top + gridH + 8 + colLabelBand + 12, xLabel, TEXT, { align: 'center' });
  if (yLabel) cv.textUp(14, top + gridH / 2, yLabel, TEXT);

  // Colour bar.
  for (let y = 0; y < gridH; y++) cv.fillRect(barX, top + y, barW, 1, colormap(stops, 1 - y / Math.max(1, gridH - 1)));
  cv.strokeRect(barX - 1, top - 1, barW + 2, gridH + 2, AXIS);
  cbTicks.values.forEach((v, i) => {
    if (v < vmin - 1e-9 * (vmax - vmin) || v > vmax + 1e-9 * (vmax - vmin)) return;
    const y = Math.round(top + (1 - (v - vmin) / (vmax - vmin)) * (gridH - 1));
    cv.fillRect(barX + barW + 1, y, TICK, 1, AXIS);
    cv.text(barX + barW + 1 + TICK + 5, Math.min(Math.max(y - CHAR_H / 2 + 1, 2), height - CHAR_H - 2), cbTicks.labels[i]!, TEXT);
  });
  if (title) drawTitle(cv, title, left + gridW / 2);
  return cv;
}

// ---------------------------------------------------------------------------------------------------------
// Scatter plot of labelled points.

/** A labelled 2-D point of a scatter plot. */
export interface LabelledPoint {
  x: number;
  y: number;
  label: string;
}

/** Options of `scatterLabels`: the points, size, title. */
export interface ScatterOptions {
  points: LabelledPoint[];
  title?: string;
  /** Default 720 x 600 (the plot area is square-ish; the legend sits on the right). */
  width?: number;
  height?: number;
  xLabel?: string;
  yLabel?: string;
  /** Marker radius in pixels (default: from 4 for a few points down to 2 for many). */
  radius?: number;
}

/** Labels in display order: numerically when they are numbers, else alphabetically (natural order). */
export function sortLabels(labels: Iterable<string>): string[] {
  return [...new Set(labels)].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
}

/** Scatter plot of points coloured by label (e.g. a 2-D embedding of digits), with a legend of the labels, as RGBA pixels (ASCII labels; accented letters lose their accents, other scripts show boxes). */
export function scatterLabels(options: ScatterOptions): RgbaImage {
  return drawScatterLabels('scatterLabels', options, (w, h) => new RasterSurface(w, h)).image();
}

/** The same plot as `scatterLabels`, as an SVG document whose labels are <text> in any script. */
export function scatterLabelsSvg(options: ScatterOptions): string {
  return drawScatterLabels('scatterLabelsSvg', options, (w, h) => new SvgSurface(w, h)).toString();
}

function drawScatterLabels<S extends Surface>(where: string, options: ScatterOptions, make: (width: number, height: number) => S): S {
  checkPlotOptions(where, options, {
    points: 'array', title: 'string', width: POSITIVE_INTEGER, height: POSITIVE_INTEGER, xLabel: 'string', yLabel: 'string', radius: POSITIVE_NUMBER,
  }, ['points']);
  const { points, title, xLabel, yLabel } = options;
  const width = options.width ?? 720;
  const height = options.height ?? 600;
  const labels = sortLabels(points.map((p) => p.label));
  const colorOf = new Map(labels.map((l, i) => [l, seriesColor(i)] as const));
  const entries = labels.map((l): LegendEntry => ({ label: l, color: colorOf.get(l)!, kind: 'dot' }));
  const legend = legendSize(entries);
  const spec: FrameSpec = {
    width,
    height,
    title,
    xLabel,
    yLabel,
    xRange: finiteRange(points.map((p) => p.x)),
    yRange: finiteRange(points.map((p) => p.y)),
    xInteger: false,
    rightExtra: entries.length > 0 ? legend.w + 4 : 0,
  };
  const cv = make(width, height);
  const f = layoutFrame(spec);
  drawGrid(cv, f);
  const n = points.length;
  const r = options.radius ?? (n <= 300 ? 4 : n <= 3000 ? 3 : 2);
  const alpha = n <= 1000 ? 0.9 : 0.7;
  for (const p of points) {
    if (!Number.isFinite(p.x) || !Number.isFinite(p.y)) continue;
    cv.disc(f.sx(p.x), f.sy(p.y), r, colorOf.get(p.label)!, alpha, f.plot);
  }
  drawAxes(cv, f, spec);
  if (entries.length > 0) drawLegend(cv, entries, f.plot.x + f.plot.w + 14, f.plot.y);
  return cv;
}
