/**
 * Atomic file writes: write a temporary file in the same folder, fsync it, then rename over the
 * target. A write that fails (full disk, file-size limit, read-only folder) removes its temporary
 * file and throws an error naming the target; the target itself is never touched.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname, basename, join } from 'node:path';
import { pausePoint } from './pause_points';

/** Temporary files of writeFileAtomic start with this (and end with `.tmp`). */
export function atomicTempPrefix(path: string): string {
  return `.${basename(path)}.`;
}

export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const tmp = join(dirname(path), `${atomicTempPrefix(path)}${process.pid}.${Date.now()}.tmp`);
  try {
    mkdirSync(dirname(path), { recursive: true });
    const fd = openSync(tmp, 'w');
    try {
      const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
      const half = bytes.length >> 1;
      let off = 0;
      while (off < half) off += writeSync(fd, bytes, off, half - off);
      pausePoint(`write:${basename(path)}`);
      while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (err) {
    try {
      rmSync(tmp, { force: true });
    } catch {
      /* the folder refuses even that; the temporary name says what it is */
    }
    const e = err as NodeJS.ErrnoException;
    throw new Error(
      `cannot write ${path} (${e.code ? `${e.code}: ` : ''}${e.message.replace(/^\w+: /, '')}); ${basename(path)} was left as it was`,
    );
  }
}
