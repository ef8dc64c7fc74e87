/**
 * The committed notebooks (notebooks/NN_name.ipynb): all nine are there, stored without outputs, on
 * the tslab kernel, with a QUICK switch and a purpose/Inputs/Outputs header, and every code cell
 * that imports the kit goes through the `see-kit` package link (a relative ../lib import fails in tslab) and
 * takes only what the public surface (lib/index.ts) exports.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { checkSource, formatFindings, joinText } from '../../scripts/notebooks/notebook_check';
import { readNotebook } from '../../scripts/notebooks/check_notebooks';

const DIR = join(__dirname, '..', '..', 'notebooks');
const EXPECTED = ['00_setup', '01_data', '02_see_geometry', '03_losses', '04_train_glyphs', '05_norm_angle_statistics', '06_table_rows', '07_ablations', '08_frozen_features'];

test('the nine notebooks exist and pass the source check', () => {
  const files = readdirSync(DIR).filter((f) => /^\d\d_\w+\.ipynb$/.test(f)).sort();
  assert.deepEqual(files.map((f) => f.replace(/\.ipynb$/, '')), EXPECTED);
  const problems = files.flatMap((f) => formatFindings(f, checkSource(readNotebook(join(DIR, f)))));
  assert.deepEqual(problems, []);
});

test('notebooks import the kit from its public surface see-kit/lib only, after require("tsx/cjs")', () => {
  for (const f of EXPECTED) {
    const code = readNotebook(join(DIR, `${f}.ipynb`)).cells.filter((c) => c.cell_type === 'code').map((c) => joinText(c.source));
    const all = code.join('\n');
    assert.doesNotMatch(all, /from '\.\.\/lib/, `${f}: relative ../lib import (fails in tslab)`);
    const deep = all.match(/from 'see-kit\/lib\/[^']*'/g) ?? [];
    assert.deepEqual(deep, [], `${f}: imports past the public surface (lib/index.ts)`);
    assert.match(all, /from 'see-kit\/lib'/, `${f}: imports nothing from see-kit/lib`);
    const firstKitImport = code.findIndex((c) => c.includes("from 'see-kit/"));
    const tsx = code.findIndex((c) => c.includes("require('tsx/cjs')"));
    assert.ok(tsx >= 0 && tsx <= firstKitImport, `${f}: require('tsx/cjs') must come before the first see-kit import`);
  }
});
