// The raster Surface: plots drawn straight into RGBA pixels with the embedded bitmap font, in Node and in
// the browser (src/plot/png.ts turns the pixels into a PNG file).

import { GLYPH_ADVANCE, GLYPH_DESCENT, GLYPH_HEIGHT, GLYPH_WIDTH, charCells, glyphColumns, textWidth } from './font.js';
import type { Rgb, RgbaImage } from './plot.js';
import type { Surface, SurfaceRect, TextOptions } from './svg.js';

/** A Surface of RGBA pixels: anti-aliased lines and discs, text in the 5x7 bitmap font (ASCII; é drawn as e). */
export class RasterSurface implements Surface {
  readonly rgba: Uint8Array;

  constructor(
    readonly width: number,
    readonly height: number,
    background: Rgb = [255, 255, 255],
  ) {
    if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
      throw new Error(`plot: image size must be positive integers, got ${width}x${height}`);
    }
    this.rgba = new Uint8Array(width * height * 4);
    for (let i = 0; i < width * height; i++) {
      this.rgba[i * 4] = background[0];
      this.rgba[i * 4 + 1] = background[1];
      this.rgba[i * 4 + 2] = background[2];
      this.rgba[i * 4 + 3] = 255;
    }
  }

  /** The pixels drawn so far. */
  image(): RgbaImage {
    return { width: this.width, height: this.height, rgba: this.rgba };
  }

  blend(x: number, y: number, c: Rgb, alpha = 1): void {
    if (x < 0 || y < 0 || x >= this.width || y >= this.height || alpha <= 0) return;
    const i = (y * this.width + x) * 4;
    const p = this.rgba;
    if (alpha >= 1) {
      p[i] = c[0];
      p[i + 1] = c[1];
      p[i + 2] = c[2];
      return;
    }
    p[i] = Math.round(p[i]! + (c[0] - p[i]!) * alpha);
    p[i + 1] = Math.round(p[i + 1]! + (c[1] - p[i + 1]!) * alpha);
    p[i + 2] = Math.round(p[i + 2]! + (c[2] - p[i + 2]!) * alpha);
  }

  fillRect(x: number, y: number, w: number, h: number, c: Rgb, alpha = 1): void {
    const x0 = Math.max(0, Math.round(x));
    const y0 = Math.max(0, Math.round(y));
    const x1 = Math.min(this.width, Math.round(x + w));
    const y1 = Math.min(this.height, Math.round(y + h));
    for (let yy = y0; yy < y1; yy++) for (let xx = x0; xx < x1; xx++) this.blend(xx, yy, c, alpha);
  }

  strokeRect(x: number, y: number, w: number, h: number, c: Rgb): void {
    this.fillRect(x, y, w, 1, c);
    this.fillRect(x, y + h - 1, w, 1, c);
    this.fillRect(x, y, 1, h, c);
    this.fillRect(x + w - 1, y, 1, h, c);
  }

  /** Text with its top-left at (x, y); align moves the anchor to the centre or right end. */
  text(x: number, y: number, s: string, c: Rgb, opts: TextOptions = {}): void {
    const scale = opts.scale ?? 2;
    const w = textWidth(s, scale);
    let left = Math.round(opts.align === 'center' ? x - w / 2 : opts.align === 'right' ? x - w : x);
    const top = Math.round(y);
    for (const ch of s.normalize('NFC')) {
      const cells = charCells(ch);
      left += ((cells - 1) * GLYPH_ADVANCE * scale) / 2; // a wide character's box sits centred in its two cells
      const cols = glyphColumns(ch);
      for (let col = 0; col < GLYPH_WIDTH; col++) {
        const bits = cols[col]!;
        for (let row = 0; row < GLYPH_HEIGHT + GLYPH_DESCENT; row++) {
          if ((bits >> row) & 1) {
            this.fillRect(left + col * scale, top + row * scale, scale + (opts.bold ? 1 : 0), scale, c);
          }
        }
      }
      left += ((cells + 1) * GLYPH_ADVANCE * scale) / 2;
    }
  }

  /** Text rotated 90 degrees anticlockwise (reading bottom to top), centred vertically on cy, left edge at x. */
  textUp(x: number, cy: number, s: string, c: Rgb, scale = 2): void {
    const w = textWidth(s, scale);
    let bottom = Math.round(cy + w / 2);
    const left = Math.round(x);
    for (const ch of s.normalize('NFC')) {
      const cells = charCells(ch);
      bottom -= ((cells - 1) * GLYPH_ADVANCE * scale) / 2;
      const cols = glyphColumns(ch);
      for (let col = 0; col < GLYPH_WIDTH; col++) {
        const bits = cols[col]!;
        for (let row = 0; row < GLYPH_HEIGHT + GLYPH_DESCENT; row++) {
          if ((bits >> row) & 1) this.fillRect(left + row * scale, bottom - (col + 1) * scale, scale, scale, c);
        }
      }
      bottom -= ((cells + 1) * GLYPH_ADVANCE * scale) / 2;
    }
  }

  /** An anti-aliased polyline of the given width, clipped to `clip`; NaN points break the line. */
  polyline(xs: number[], ys: number[], c: Rgb, lineWidth: number, clip: SurfaceRect): void {
    const cov = new Float32Array(clip.w * clip.h);
    const hw = lineWidth / 2;
    const stamp = (ax: number, ay: number, bx: number, by: number) => {
      const x0 = Math.max(clip.x, Math.floor(Math.min(ax, bx) - hw - 1));
      const x1 = Math.min(clip.x + clip.w - 1, Math.ceil(Math.max(ax, bx) + hw + 1));
      const y0 = Math.max(clip.y, Math.floor(Math.min(ay, by) - hw - 1));
      const y1 = Math.min(clip.y + clip.h - 1, Math.ceil(Math.max(ay, by) + hw + 1));
      const dx = bx - ax;
      const dy = by - ay;
      const len2 = dx * dx + dy * dy;
      for (let py = y0; py <= y1; py++) {
        for (let px = x0; px <= x1; px++) {
          const qx = px + 0.5 - ax;
          const qy = py + 0.5 - ay;
          const t = len2 > 0 ? Math.min(1, Math.max(0, (qx * dx + qy * dy) / len2)) : 0;
          const ex = qx - t * dx;
          const ey = qy - t * dy;
          const cv = Math.min(1, Math.max(0, hw + 0.5 - Math.sqrt(ex * ex + ey * ey)));
          if (cv > 0) {
            const i = (py - clip.y) * clip.w + (px - clip.x);
            if (cv > cov[i]!) cov[i] = cv;
          }
        }
      }
    };
    let prev = -1;
    for (let i = 0; i < xs.length; i++) {
      if (!Number.isFinite(xs[i]!) || !Number.isFinite(ys[i]!)) {
        prev = -1;
        continue;
      }
      const isolated = prev < 0 && !(i + 1 < xs.length && Number.isFinite(xs[i + 1]!) && Number.isFinite(ys[i + 1]!));
      if (prev >= 0) stamp(xs[prev]!, ys[prev]!, xs[i]!, ys[i]!);
      else if (isolated) this.disc(xs[i]!, ys[i]!, lineWidth + 1.5, c, 1, clip); // a lone point stays visible
      prev = i;
    }
    for (let y = 0; y < clip.h; y++) {
      for (let x = 0; x < clip.w; x++) {
        const v = cov[y * clip.w + x]!;
        if (v > 0) this.blend(clip.x + x, clip.y + y, c, v);
      }
    }
  }

  /** An anti-aliased filled circle centred at (cx, cy) in continuous pixel coordinates. */
  disc(cx: number, cy: number, r: number, c: Rgb, alpha = 1, clip?: SurfaceRect): void {
    const cl = clip ?? { x: 0, y: 0, w: this.width, h: this.height };
    const x0 = Math.max(cl.x, Math.floor(cx - r - 1));
    const x1 = Math.min(cl.x + cl.w - 1, Math.ceil(cx + r + 1));
    const y0 = Math.max(cl.y, Math.floor(cy - r - 1));
    const y1 = Math.min(cl.y + cl.h - 1, Math.ceil(cy + r + 1));
    for (let py = y0; py <= y1; py++) {
      for (let px = x0; px <= x1; px++) {
        const d = Math.hypot(px + 0.5 - cx, py + 0.5 - cy);
        const cv = Math.min(1, Math.max(0, r + 0.5 - d));
        if (cv > 0) this.blend(px, py, c, cv * alpha);
      }
    }
  }
}
