// The drawing surface plots are laid out on, and its SVG form: rectangles, paths, circles and <text>
// elements, so labels in any script keep their real glyphs (the raster surface's font is ASCII).

import { GLYPH_ADVANCE, GLYPH_HEIGHT } from './font.js';
import type { Rgb } from './plot.js';

/** A rectangle in image pixels. */
export interface SurfaceRect {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** Text placement: anchor at the left (default), centre or right end; scale of the 5x7 font cell; bold. */
export interface TextOptions {
  align?: 'left' | 'center' | 'right';
  scale?: number;
  bold?: boolean;
}

/** What a plot draws with: the raster canvas and SvgSurface both implement it, with the same geometry. */
export interface Surface {
  readonly width: number;
  readonly height: number;
  fillRect(x: number, y: number, w: number, h: number, c: Rgb, alpha?: number): void;
  /** A one-pixel outline just inside the rectangle. */
  strokeRect(x: number, y: number, w: number, h: number, c: Rgb): void;
  /** Text with the top of its cell at y. */
  text(x: number, y: number, s: string, c: Rgb, opts?: TextOptions): void;
  /** Text reading bottom to top, centred vertically on cy, its cell's left edge at x. */
  textUp(x: number, cy: number, s: string, c: Rgb, scale?: number): void;
  /** A line through the points, clipped to `clip`; NaN points break it. */
  polyline(xs: number[], ys: number[], c: Rgb, lineWidth: number, clip: SurfaceRect): void;
  disc(cx: number, cy: number, r: number, c: Rgb, alpha?: number, clip?: SurfaceRect): void;
}

const FONT_FAMILY = "'DejaVu Sans Mono', Menlo, Consolas, 'Noto Sans Mono CJK KR', monospace";
/** A monospace font whose advance is GLYPH_ADVANCE font pixels: about 0.6 em. */
const FONT_SIZE_PER_SCALE = GLYPH_ADVANCE / 0.6;

function colour(c: Rgb): string {
  return `rgb(${c[0]},${c[1]},${c[2]})`;
}

function num(v: number): string {
  return String(Math.round(v * 100) / 100);
}

/** Text escaped for an SVG element or attribute. */
export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!);
}

/** A Surface that records SVG elements; `toString()` gives the document. */
export class SvgSurface implements Surface {
  private readonly parts: string[] = [];
  private readonly clips = new Map<string, string>();

  constructor(
    readonly width: number,
    readonly height: number,
    background: Rgb = [255, 255, 255],
  ) {
    if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
      throw new Error(`plot: image size must be positive integers, got ${width}x${height}`);
    }
    this.parts.push(`<rect width="${width}" height="${height}" fill="${colour(background)}"/>`);
  }

  private clipId(r: SurfaceRect): string {
    const key = `${r.x},${r.y},${r.w},${r.h}`;
    let id = this.clips.get(key);
    if (!id) {
      id = `clip${this.clips.size}`;
      this.clips.set(key, id);
    }
    return id;
  }

  private alphaAttr(alpha: number): string {
    return alpha < 1 ? ` fill-opacity="${num(alpha)}"` : '';
  }

  fillRect(x: number, y: number, w: number, h: number, c: Rgb, alpha = 1): void {
    if (w <= 0 || h <= 0 || alpha <= 0) return;
    this.parts.push(`<rect x="${num(x)}" y="${num(y)}" width="${num(w)}" height="${num(h)}" fill="${colour(c)}"${this.alphaAttr(alpha)}/>`);
  }

  strokeRect(x: number, y: number, w: number, h: number, c: Rgb): void {
    this.parts.push(`<rect x="${num(x + 0.5)}" y="${num(y + 0.5)}" width="${num(w - 1)}" height="${num(h - 1)}" fill="none" stroke="${colour(c)}"/>`);
  }

  private textElement(attrs: string, s: string, c: Rgb, scale: number, bold: boolean): string {
    const weight = bold ? ' font-weight="bold"' : '';
    return `<text ${attrs} font-family="${FONT_FAMILY}" font-size="${num(FONT_SIZE_PER_SCALE * scale)}"${weight} fill="${colour(c)}">${escapeXml(s)}</text>`;
  }

  text(x: number, y: number, s: string, c: Rgb, opts: TextOptions = {}): void {
    const scale = opts.scale ?? 2;
    const anchor = opts.align === 'center' ? 'middle' : opts.align === 'right' ? 'end' : 'start';
    const baseline = y + GLYPH_HEIGHT * scale;
    this.parts.push(this.textElement(`x="${num(x)}" y="${num(baseline)}" text-anchor="${anchor}"`, s, c, scale, opts.bold ?? false));
  }

  textUp(x: number, cy: number, s: string, c: Rgb, scale = 2): void {
    const transform = `translate(${num(x + GLYPH_HEIGHT * scale)},${num(cy)}) rotate(-90)`;
    this.parts.push(this.textElement(`transform="${transform}" text-anchor="middle"`, s, c, scale, false));
  }

  polyline(xs: number[], ys: number[], c: Rgb, lineWidth: number, clip: SurfaceRect): void {
    let d = '';
    let pen = false;
    for (let i = 0; i < xs.length; i++) {
      const ok = Number.isFinite(xs[i]!) && Number.isFinite(ys[i]!);
      if (!ok) {
        pen = false;
        continue;
      }
      const nextOk = i + 1 < xs.length && Number.isFinite(xs[i + 1]!) && Number.isFinite(ys[i + 1]!);
      if (!pen && !nextOk) this.disc(xs[i]!, ys[i]!, lineWidth + 1.5, c, 1, clip); // a lone point stays visible
      d += `${pen ? 'L' : 'M'}${num(xs[i]!)} ${num(ys[i]!)}`;
      pen = true;
    }
    if (d) {
      this.parts.push(`<path d="${d}" fill="none" stroke="${colour(c)}" stroke-width="${num(lineWidth)}" stroke-linejoin="round" stroke-linecap="round" clip-path="url(#${this.clipId(clip)})"/>`);
    }
  }

  disc(cx: number, cy: number, r: number, c: Rgb, alpha = 1, clip?: SurfaceRect): void {
    const clipAttr = clip ? ` clip-path="url(#${this.clipId(clip)})"` : '';
    this.parts.push(`<circle cx="${num(cx)}" cy="${num(cy)}" r="${num(r)}" fill="${colour(c)}"${this.alphaAttr(alpha)}${clipAttr}/>`);
  }

  /** The SVG document. */
  toString(): string {
    const defs = [...this.clips].map(([key, id]) => {
      const [x, y, w, h] = key.split(',');
      return `<clipPath id="${id}"><rect x="${x}" y="${y}" width="${w}" height="${h}"/></clipPath>`;
    });
    return `<svg xmlns="http://www.w3.org/2000/svg" width="${this.width}" height="${this.height}" viewBox="0 0 ${this.width} ${this.height}">`
      + (defs.length ? `<defs>${defs.join('')}</defs>` : '') + this.parts.join('') + '</svg>';
  }
}
