// A 5x7 ASCII bitmap font (printable characters 0x20..0x7E), for drawing text into RGBA images
// without a canvas package. Pure data and arithmetic: safe in Node and in the browser.
//
// Each glyph is five column bytes, left to right; bit 0 is the top row, bit 6 the baseline row, and bit 7 a
// descender row below the baseline (used by g j p q y, so that g does not read as 9).
// The table below is one hex string, ten hex digits (five bytes) per glyph, in code-point order.

/** Width of a glyph in font pixels. */
export const GLYPH_WIDTH = 5;
/** Height of a glyph above and on the baseline, in font pixels: what text layout uses. */
export const GLYPH_HEIGHT = 7;
/** Rows below the baseline that descenders (g j p q y) reach into. */
export const GLYPH_DESCENT = 1;
/** Horizontal advance per character (glyph plus one column of spacing), in font pixels. */
export const GLYPH_ADVANCE = 6;
/** Vertical advance per text line, in font pixels. */
export const LINE_HEIGHT = 9;

const FIRST = 0x20;
const LAST = 0x7e;

// prettier-ignore
const TABLE =
  '0000000000' + '00005f0000' + '0007000700' + '147f147f14' + // space ! " #
  '242a7f2a12' + '2313086462' + '3649552250' + '0000070000' + // $ % & '
  '001c224100' + '0041221c00' + '082a1c2a08' + '08083e0808' + // ( ) * +
  '0050300000' + '0808080808' + '0060600000' + '2010080402' + // , - . /
  '3e5149453e' + '00427f4000' + '4261514946' + '2241494936' + // 0 1 2 3
  '1814127f10' + '2745454539' + '3c4a494930' + '0171090503' + // 4 5 6 7
  '3649494936' + '064949291e' + '0036360000' + '0056360000' + // 8 9 : ;
  '0814224100' + '1414141414' + '0041221408' + '0201510906' + // < = > ?
  '324979413e' + '7e1111117e' + '7f49494936' + '3e41414122' + // @ A B C
  '7f4141221c' + '7f49494941' + '7f09090101' + '3e4149497a' + // D E F G
  '7f0808087f' + '00417f4100' + '2040413f01' + '7f08142241' + // H I J K
  '7f40404040' + '7f020c027f' + '7f0408107f' + '3e4141413e' + // L M N O
  '7f09090906' + '3e4151215e' + '7f09192946' + '4649494931' + // P Q R S
  '01017f0101' + '3f4040403f' + '1f2040201f' + '3f4038403f' + // T U V W
  '6314081463' + '0708700807' + '6151494543' + '007f414100' + // X Y Z [
  '0204081020' + '0041417f00' + '0402010204' + '4040404040' + // \ ] ^ _
  '0001020400' + '2054545478' + '7f48444438' + '3844444420' + // ` a b c
  '384444487f' + '3854545418' + '087e090102' + '18a4a4a47c' + // d e f g
  '7f08040478' + '00447d4000' + '0080847d00' + '007f102844' + // h i j k
  '00417f4000' + '7c04180478' + '7c08040478' + '3844444438' + // l m n o
  'fc24242418' + '18242424fc' + '7c08040408' + '4854545420' + // p q r s
  '043f444020' + '3c4040207c' + '1c2040201c' + '3c4030403c' + // t u v w
  '4428102844' + '1ca0a0a07c' + '4464544c44' + '0008364100' + // x y z {
  '00007f0000' + '0041360800' + '0804081008';                  // | } ~

const GLYPHS: Uint8Array = (() => {
  const count = LAST - FIRST + 1;
  if (TABLE.length !== count * 10) throw new Error(`font table has ${TABLE.length / 10} glyphs, expected ${count}`);
  const out = new Uint8Array(count * GLYPH_WIDTH);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(TABLE.slice(i * 2, i * 2 + 2), 16);
  return out;
})();

// Shown for characters outside the table: a hollow box.
const MISSING = new Uint8Array([0x7f, 0x41, 0x41, 0x41, 0x7f]);

/** The five column bytes of a character's glyph (bit 0 = top row); a hollow box for unknown characters. */
export function glyphColumns(ch: string): Uint8Array {
  let code = ch.codePointAt(0) ?? 0x3f;
  // An accented Latin letter is drawn as its base letter (é as e): the word stays readable.
  if (code > LAST) code = ch.normalize('NFD').codePointAt(0) ?? code;
  if (code < FIRST || code > LAST) return MISSING;
  const at = (code - FIRST) * GLYPH_WIDTH;
  return GLYPHS.subarray(at, at + GLYPH_WIDTH);
}

/** Whether pixel (col, row) of a character's glyph is set. */
export function glyphPixel(ch: string, col: number, row: number): boolean {
  if (col < 0 || col >= GLYPH_WIDTH || row < 0 || row >= GLYPH_HEIGHT + GLYPH_DESCENT) return false;
  return ((glyphColumns(ch)[col]! >> row) & 1) === 1;
}

/** Width in image pixels of a single line of text at a given integer scale (no trailing spacing). */
export function textWidth(text: string, scale = 1): number {
  let n = 0;
  for (const ch of text.normalize('NFC')) n += charCells(ch);
  return n === 0 ? 0 : (n * GLYPH_ADVANCE - 1) * scale;
}

/** Character cells a character takes: 2 for the wide scripts (Hangul, CJK, full-width forms), else 1. */
export function charCells(ch: string): number {
  const c = ch.codePointAt(0) ?? 0;
  const wide = (c >= 0x1100 && c <= 0x115f) || (c >= 0x2e80 && c <= 0xa4cf) || (c >= 0xac00 && c <= 0xd7a3)
    || (c >= 0xf900 && c <= 0xfaff) || (c >= 0xff00 && c <= 0xff60) || (c >= 0x20000 && c <= 0x3fffd);
  return wide ? 2 : 1;
}

/** Height in image pixels of one line of text at a given integer scale, descenders not included. */
export function textHeight(scale = 1): number {
  return GLYPH_HEIGHT * scale;
}
