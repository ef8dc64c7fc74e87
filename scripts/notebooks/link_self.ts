/**
 * postinstall: makes `node_modules/see-kit` a symlink to the project root, so tslab notebooks
 * can `import { ... } from 'see-kit/lib/...'` (a relative `../lib` import fails in tslab: it
 * compiles cells with the notebook's folder as rootDir). Idempotent; replaces a wrong link,
 * refuses to touch a real folder of that name.
 */
import { lstatSync, mkdirSync, readlinkSync, symlinkSync, unlinkSync } from 'node:fs';
import { join, resolve } from 'node:path';

const PACKAGE_NAME = 'see-kit';
const TARGET = '..';

/** Creates or repairs `<root>/node_modules/see-kit -> ..`; returns what it did. */
export function linkSelf(root: string): 'created' | 'kept' | 'replaced' {
  const nodeModules = join(root, 'node_modules');
  mkdirSync(nodeModules, { recursive: true });
  const link = join(nodeModules, PACKAGE_NAME);
  let existing: ReturnType<typeof lstatSync> | undefined;
  try {
    existing = lstatSync(link);
  } catch {
    existing = undefined;
  }
  if (existing && !existing.isSymbolicLink()) {
    throw new Error(`${link} exists and is not a symlink; remove it so it can point to the project root (${TARGET})`);
  }
  if (existing && readlinkSync(link) === TARGET) return 'kept';
  if (existing) unlinkSync(link);
  symlinkSync(TARGET, link, 'dir');
  return existing ? 'replaced' : 'created';
}

if (require.main === module) {
  const root = resolve(__dirname, '..', '..');
  console.log(`[see-kit] node_modules/${PACKAGE_NAME} -> ${TARGET}: ${linkSelf(root)}`);
}
