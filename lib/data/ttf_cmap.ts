/**
 * The set of Unicode code points a TrueType/OpenType font maps to a glyph, read from its
 * `cmap` table (OpenType spec, "cmap - Character to Glyph Index Mapping Table"; formats 4
 * and 12). Used by the glyphs generator to keep only characters every chosen font covers,
 * because the text renderer would otherwise silently fall back to another font.
 */

/** Code points with a non-zero glyph id in the font's Unicode cmap subtables. */
export function fontCodePoints(bytes: Uint8Array, file = 'font'): Set<number> {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const numTables = v.getUint16(4);
  let cmap = -1;
  for (let i = 0; i < numTables; i++) {
    const rec = 12 + 16 * i;
    if (String.fromCharCode(bytes[rec], bytes[rec + 1], bytes[rec + 2], bytes[rec + 3]) === 'cmap') cmap = v.getUint32(rec + 8);
  }
  if (cmap < 0) throw new Error(`${file}: no cmap table (is it a TTF/OTF file? WOFF/WOFF2 are not supported)`);
  const out = new Set<number>();
  const n = v.getUint16(cmap + 2);
  let used = 0;
  for (let i = 0; i < n; i++) {
    const platform = v.getUint16(cmap + 4 + 8 * i);
    const encoding = v.getUint16(cmap + 6 + 8 * i);
    const unicode = platform === 0 || (platform === 3 && (encoding === 1 || encoding === 10));
    if (!unicode) continue;
    const sub = cmap + v.getUint32(cmap + 8 + 8 * i);
    const format = v.getUint16(sub);
    if (format === 4) { readFormat4(v, sub, out); used++; }
    else if (format === 12) { readFormat12(v, sub, out); used++; }
  }
  if (!used) throw new Error(`${file}: no Unicode cmap subtable of format 4 or 12`);
  return out;
}

function readFormat4(v: DataView, sub: number, out: Set<number>): void {
  const segX2 = v.getUint16(sub + 6);
  const ends = sub + 14;
  const starts = ends + segX2 + 2;
  const deltas = starts + segX2;
  const offsets = deltas + segX2;
  for (let s = 0; s < segX2; s += 2) {
    const end = v.getUint16(ends + s);
    const start = v.getUint16(starts + s);
    const delta = v.getInt16(deltas + s);
    const rangeOffset = v.getUint16(offsets + s);
    for (let c = start; c <= end && c !== 0xffff; c++) {
      let glyph: number;
      if (rangeOffset === 0) glyph = (c + delta) & 0xffff;
      else {
        const g = v.getUint16(offsets + s + rangeOffset + 2 * (c - start));
        glyph = g === 0 ? 0 : (g + delta) & 0xffff;
      }
      if (glyph !== 0) out.add(c);
    }
  }
}

function readFormat12(v: DataView, sub: number, out: Set<number>): void {
  const groups = v.getUint32(sub + 12);
  for (let g = 0; g < groups; g++) {
    const rec = sub + 16 + 12 * g;
    const start = v.getUint32(rec);
    const end = v.getUint32(rec + 4);
    const startGlyph = v.getUint32(rec + 8);
    for (let c = start; c <= end; c++) if (startGlyph + (c - start) !== 0) out.add(c);
  }
}
