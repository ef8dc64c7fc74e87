/**
 * Walking a folder of class folders as torchvision's ImageFolder does (the official code reads
 * CUB this way): class folders sorted by name, then the image files under each at any depth, in
 * the order of `sorted(os.walk(class folder))` with each folder's files sorted by name. Names are
 * compared by code point, as Python compares strings. Hidden entries (names starting with `.`,
 * which includes macOS `._` resource forks) and files without an image extension are not read;
 * they are returned as `skipped` so a caller can say so. Symbolic links are followed (ImageFolder's
 * followlinks=True), each real folder once.
 */
import { readdirSync, realpathSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { assertUtf8Name } from './safe_path';

/** ImageFolder's IMG_EXTENSIONS (torchvision), lower case; gif is left out (not in the kit's image check). */
export const IMAGE_EXTENSIONS: readonly string[] = ['.jpg', '.jpeg', '.png', '.ppm', '.bmp', '.pgm', '.tif', '.tiff', '.webp'];

export interface ClassFolder {
  /** the folder's name (the class name) */
  name: string;
  /** absolute or root-relative paths of its images, in ImageFolder order */
  files: string[];
}

export interface ClassFolderScan {
  root: string;
  classes: ClassFolder[];
  /** files under the root that are not read (hidden, or not an image extension), relative to the root */
  skipped: string[];
}

/** Python's string order (code points), which differs from UTF-16 order above U+FFFF. */
export function byCodePoint(a: string, b: string): number {
  const x = [...a];
  const y = [...b];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = (x[i].codePointAt(0) as number) - (y[i].codePointAt(0) as number);
    if (d !== 0) return d;
  }
  return x.length - y.length;
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory(); // follows links
  } catch {
    return false; // a dangling link: read as a file, which the image check then names
  }
}

const hasImageExtension = (name: string, extensions: readonly string[]): boolean => extensions.some((e) => name.toLowerCase().endsWith(e));

/** Images under one class folder, in ImageFolder order; other files go to `skipped`. */
function imagesUnder(classDir: string, root: string, extensions: readonly string[], skipped: string[]): string[] {
  const folders: { dir: string; files: string[] }[] = [];
  const seen = new Set<string>();
  const walk = (dir: string): void => {
    const real = realpathSync(dir);
    if (seen.has(real)) return;
    seen.add(real);
    const files: string[] = [];
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      assertUtf8Name(name, dir);
      if (name.startsWith('.')) skipped.push(relative(root, path));
      else if (isDirectory(path)) walk(path);
      else if (hasImageExtension(name, extensions)) files.push(name);
      else skipped.push(relative(root, path));
    }
    folders.push({ dir, files: files.sort(byCodePoint) });
  };
  walk(classDir);
  folders.sort((a, b) => byCodePoint(a.dir, b.dir));
  return folders.flatMap((f) => f.files.map((name) => join(f.dir, name)));
}

/**
 * The class folders under `root` and their images. Files directly in the root are not read
 * (returned as skipped when they are not images; an image there has no class and is an error).
 * `name` starts the error messages.
 */
export function scanClassFolders(root: string, name: string, extensions: readonly string[] = IMAGE_EXTENSIONS): ClassFolderScan {
  const skipped: string[] = [];
  const classNames: string[] = [];
  const loose: string[] = [];
  for (const entry of readdirSync(root)) {
    assertUtf8Name(entry, root);
    const path = join(root, entry);
    if (entry.startsWith('.')) skipped.push(entry);
    else if (isDirectory(path)) classNames.push(entry);
    else if (hasImageExtension(entry, extensions)) loose.push(path);
    else skipped.push(entry);
  }
  if (loose.length) {
    throw new Error(`${name}: ${loose.length} image(s) directly in ${root}, outside any class folder: ${loose.slice(0, 5).join(', ')}` +
      `${loose.length > 5 ? ', ...' : ''}; an image's class is the folder it is in (<root>/<class>/<image>): move them into their class folders`);
  }
  classNames.sort(byCodePoint);
  const classes = classNames.map((c) => ({ name: c, files: imagesUnder(join(root, c), root, extensions, skipped) }));
  return { root, classes, skipped: skipped.sort(byCodePoint) };
}
