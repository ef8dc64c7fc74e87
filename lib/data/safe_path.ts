/**
 * Paths named inside dataset files (SOP and In-Shop lists, Cars' annotation file) must stay
 * inside the dataset folder, and list files must be valid UTF-8: an absolute path, a `..` that
 * climbs out of the folder or a name with undecodable bytes is refused, naming the file and line.
 */
import { readFileSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';

/** `root` joined with `name` from a list; throws (naming `where`) when it is absolute or leaves `root`. */
export function pathInside(root: string, name: string, where: string): string {
  if (isAbsolute(name) || /^[A-Za-z]:[\\/]/.test(name) || name.startsWith('\\')) {
    throw new Error(`${where}: "${name}" is an absolute path; image paths in dataset files are relative to ${root}, and nothing outside it is read`);
  }
  const rel = relative(resolve(root), resolve(root, name));
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) {
    throw new Error(`${where}: "${name}" points outside the dataset folder ${root}; nothing outside it is read`);
  }
  return join(root, name);
}

/** A text file that must be UTF-8; throws naming the file, line and byte offset of the first bad byte. */
export function readUtf8Text(file: string): string {
  const bytes = readFileSync(file);
  const decoder = new TextDecoder('utf-8', { fatal: true });
  try {
    return decoder.decode(bytes);
  } catch {
    let lineStart = 0;
    let line = 1;
    for (let i = 0; i <= bytes.length; i++) {
      if (i < bytes.length && bytes[i] !== 0x0a) continue;
      try {
        decoder.decode(bytes.subarray(lineStart, i));
      } catch {
        throw new Error(`${file}:${line}: not valid UTF-8 (bytes from offset ${lineStart}); dataset lists must name files in UTF-8`);
      }
      lineStart = i + 1;
      line += 1;
    }
    throw new Error(`${file}: not valid UTF-8; dataset lists must name files in UTF-8`);
  }
}

/** Throws when a name read from a folder was not valid UTF-8 (Node shows such bytes as U+FFFD). */
export function assertUtf8Name(name: string, dir: string): void {
  if (name.includes('\uFFFD')) {
    throw new Error(`${dir}: the name "${name}" is not valid UTF-8 (shown with U+FFFD); rename it so its path can be read back`);
  }
}
