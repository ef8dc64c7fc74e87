/**
 * `npm run slides [-- [--from <dir>] [--out <dir>] [notebook ...]]`: turns executed notebooks into
 * offline reveal.js decks, `<out>/<notebook>.html` (default data/slides/). A notebook is named as
 * `02`, `02_see_geometry` or a path; the default decks are the course's (02, 03, 04, 05). The
 * executed notebooks come from `--from` (default data/notebooks/executed/, which
 * `bash scripts/notebooks/ci.sh` writes; a notebook run and saved in Jupyter works too).
 */
import { existsSync, mkdirSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { readNotebook } from '../notebooks/check_notebooks';
import { deckHtml, notebookSlides, notebookTitle, readDeckAssets } from './deck';

const ROOT = resolve(__dirname, '..', '..');
export const DEFAULT_DECKS = ['02_see_geometry', '03_losses', '04_train_glyphs', '05_norm_angle_statistics'];

/** The executed notebook a name means: a path as given, else `<from>/<NN_name>.ipynb` for `NN` or `NN_name`. */
export function resolveNotebook(name: string, from: string): string {
  if (name.endsWith('.ipynb')) return name;
  const files = existsSync(from) ? readdirSync(from).filter((f) => f.endsWith('.ipynb')) : [];
  const match = files.find((f) => f === `${name}.ipynb` || (/^\d\d$/.test(name) && f.startsWith(`${name}_`)));
  if (!match) {
    throw new Error(
      `slides: no executed notebook "${name}" in ${from}: run \`bash scripts/notebooks/ci.sh notebooks/${/^\d\d$/.test(name) ? `${name}_*` : name}.ipynb\` (QUICK) or pass --from <folder of executed notebooks>`,
    );
  }
  return join(from, match);
}

/** Writes the deck of one executed notebook; returns its path and slide count. */
export function buildDeck(file: string, outDir: string): { path: string; slides: number; plots: number } {
  const nb = readNotebook(file);
  const slides = notebookSlides(nb);
  if (!slides.some((s) => s.kind === 'output')) {
    throw new Error(`slides: ${file} has no plot, table or image output: is it an executed notebook?`);
  }
  const name = basename(file, '.ipynb');
  const html = deckHtml(notebookTitle(nb, name), slides, readDeckAssets());
  mkdirSync(outDir, { recursive: true });
  const path = join(outDir, `${name}.html`);
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, html);
  renameSync(tmp, path);
  return { path, slides: slides.length, plots: (html.match(/class="see-plot"/g) ?? []).length };
}

function main(argv: string[]): number {
  let from = join(ROOT, 'data', 'notebooks', 'executed');
  let out = join(ROOT, 'data', 'slides');
  const names: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--from' || argv[i] === '--out') {
      const value = argv[++i];
      if (!value) throw new Error(`slides: ${argv[i - 1]} needs a folder`);
      if (argv[i - 1] === '--from') from = resolve(value);
      else out = resolve(value);
    } else if (argv[i].startsWith('--')) {
      throw new Error(`slides: unknown option ${argv[i]} (expected --from <dir>, --out <dir>, notebook names)`);
    } else {
      names.push(argv[i]);
    }
  }
  for (const name of names.length ? names : DEFAULT_DECKS) {
    const deck = buildDeck(resolveNotebook(name, from), out);
    console.log(`ok   ${deck.path}: ${deck.slides} slides, ${deck.plots} plot(s)`);
  }
  return 0;
}

if (require.main === module) {
  try {
    process.exit(main(process.argv.slice(2)));
  } catch (e) {
    console.error((e as Error).message);
    process.exit(1);
  }
}
