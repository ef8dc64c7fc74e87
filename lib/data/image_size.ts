/**
 * Width and height of a JPEG or PNG read from its header bytes, so the train transform can
 * choose its crop without a separate decoder call (one libvips open per image instead of two).
 * Stored dimensions, EXIF orientation ignored, as PIL (and so the official code) does.
 * Returns undefined for other formats or malformed headers; the caller then asks sharp.
 */
export function imageSize(buf: Uint8Array): { width: number; height: number } | undefined {
  if (buf.length > 24 && buf[0] === 0x89 && buf[1] === 0x50 && buf[2] === 0x4e && buf[3] === 0x47) {
    const v = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    return { width: v.getUint32(16), height: v.getUint32(20) };
  }
  if (buf.length > 4 && buf[0] === 0xff && buf[1] === 0xd8) {
    let pos = 2;
    while (pos + 9 < buf.length) {
      if (buf[pos] !== 0xff) return undefined;
      const marker = buf[pos + 1];
      if (marker === 0xff) { pos++; continue; } // fill byte
      if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) { pos += 2; continue; }
      const len = (buf[pos + 2] << 8) | buf[pos + 3];
      // SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC)
      if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
        return { height: (buf[pos + 5] << 8) | buf[pos + 6], width: (buf[pos + 7] << 8) | buf[pos + 8] };
      }
      pos += 2 + len;
    }
  }
  return undefined;
}
