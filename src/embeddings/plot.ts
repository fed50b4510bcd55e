/**
 * A labelled word map: each word a dot with its text beside it, coloured by group (browser-safe; write
 * it with plot/png's savePng). plot/plot's scatterLabels colours points by label with a legend but
 * writes no text at the points, which a picture of words needs; this draws on the same surfaces (pixels
 * with the bitmap font, or SVG whose <text> shows any script) with the same palette.
 */
import type { RgbaImage } from '../plot/plot.js';
import { seriesColor, type Rgb } from '../plot/plot.js';
import { GLYPH_DESCENT, GLYPH_HEIGHT, textWidth } from '../plot/font.js';
import { RasterSurface } from '../plot/raster.js';
import { SvgSurface, type Surface } from '../plot/svg.js';
import { checkPlotOptions } from '../plot/options.js';
import { describeValue, POSITIVE_INTEGER } from '../util/options.js';

/** A word and its 2-D position in a word map. */
export interface WordPoint {
  word: string;
  x: number;
  y: number;
  /** Points of a group share a colour (default: one group). */
  group?: string;
}

/** Options of a word map (a labelled scatter plot of projected vectors). */
export interface WordMapOptions {
  title?: string;
  /** A smaller line under the title (e.g. the projection and its explained variance). */
  subtitle?: string;
  width?: number;
  height?: number;
}

interface Box { x: number; y: number; w: number; h: number }
const overlaps = (a: Box, b: Box) => a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;

/** Draws the words at their 2-D positions, with labels placed to avoid each other where they can (RGBA pixels, ASCII labels). */
export function wordMap(points: readonly WordPoint[], options: WordMapOptions = {}): RgbaImage {
  return drawWordMap('wordMap', points, options, (w, h) => new RasterSurface(w, h)).image();
}

/** The same word map as `wordMap`, as an SVG document whose words are <text> in any script. */
export function wordMapSvg(points: readonly WordPoint[], options: WordMapOptions = {}): string {
  return drawWordMap('wordMapSvg', points, options, (w, h) => new SvgSurface(w, h)).toString();
}

function drawWordMap<S extends Surface>(where: string, points: readonly WordPoint[], options: WordMapOptions, make: (width: number, height: number) => S): S {
  if (!Array.isArray(points)) throw new TypeError(`${where}: points must be an array of { word, x, y, group? }, got ${describeValue(points)}`);
  checkPlotOptions(where, options, { title: 'string', subtitle: 'string', width: POSITIVE_INTEGER, height: POSITIVE_INTEGER });
  const width = options.width ?? 900, height = options.height ?? 700;
  const px = make(width, height);
  const scale = 2;
  const top = options.title ? (options.subtitle ? 64 : 44) : 16;
  if (options.title) px.text((width - textWidth(options.title, 3)) / 2, 10, options.title, [34, 34, 34], { scale: 3 });
  if (options.subtitle) px.text((width - textWidth(options.subtitle, 2)) / 2, 40, options.subtitle, [90, 90, 90], { scale: 2 });
  const groups = [...new Set(points.map((p) => p.group ?? ''))];
  const colour = new Map(groups.map((g, i) => [g, seriesColor(i)] as const));
  // a legend along the bottom edge when the points are grouped
  const named = groups.filter((g) => g !== '');
  if (named.length) {
    let x = 24;
    for (const g of named) {
      px.disc(x + 4, height - 17, 4, colour.get(g)!);
      px.text(x + 12, height - 24, g, [60, 60, 60], { scale: 2 });
      x += 12 + textWidth(g, 2) + 24;
    }
  }
  const longest = Math.max(0, ...points.map((p) => textWidth(p.word, scale)));
  const plot = { x: 24, y: top + 8, w: width - 48 - Math.min(longest, width / 4), h: height - top - (named.length ? 56 : 40) };
  px.fillRect(plot.x - 8, plot.y - 8, plot.w + 16 + Math.min(longest, width / 4), 1, [228, 228, 228]);
  px.fillRect(plot.x - 8, plot.y + plot.h + 20, plot.w + 16 + Math.min(longest, width / 4), 1, [228, 228, 228]);
  const finite = points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y));
  const xs = finite.map((p) => p.x), ys = finite.map((p) => p.y);
  const [x0, x1] = [Math.min(...xs), Math.max(...xs)], [y0, y1] = [Math.min(...ys), Math.max(...ys)];
  const sx = (x: number) => plot.x + (x1 > x0 ? ((x - x0) / (x1 - x0)) * plot.w : plot.w / 2);
  const sy = (y: number) => plot.y + plot.h - (y1 > y0 ? ((y - y0) / (y1 - y0)) * plot.h : plot.h / 2);
  const placed: Box[] = finite.map((p) => ({ x: sx(p.x) - 4, y: sy(p.y) - 4, w: 8, h: 8 }));
  for (const p of finite) px.disc(sx(p.x), sy(p.y), 4, colour.get(p.group ?? '')!);
  const th = (GLYPH_HEIGHT + GLYPH_DESCENT) * scale;
  for (const p of finite) {
    const cx = sx(p.x), cy = sy(p.y);
    const w = textWidth(p.word, scale);
    const candidates: Box[] = [
      { x: cx + 7, y: cy - th / 2, w, h: th }, { x: cx - 7 - w, y: cy - th / 2, w, h: th },
      { x: cx - w / 2, y: cy - 8 - th, w, h: th }, { x: cx - w / 2, y: cy + 8, w, h: th },
      { x: cx + 7, y: cy - th - 2, w, h: th }, { x: cx + 7, y: cy + 2, w, h: th },
      { x: cx - 7 - w, y: cy - th - 2, w, h: th }, { x: cx - 7 - w, y: cy + 2, w, h: th },
    ];
    const inside = (b: Box) => b.x >= 0 && b.y >= top && b.x + b.w <= width && b.y + b.h <= height;
    const box = candidates.find((b) => inside(b) && !placed.some((q) => overlaps(b, q))) ?? candidates.find(inside) ?? candidates[0];
    placed.push(box);
    px.text(box.x, box.y, p.word, colour.get(p.group ?? '')!.map((v) => Math.round(v * 0.7)) as unknown as Rgb, { scale });
  }
  return px;
}
