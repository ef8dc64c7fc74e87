/**
 * The common mistakes notebooks/TEACHING.md lists (./common_mistakes.ts): each one, written as a student
 * would, fails its exercise's check (the notebook's own check cell, run outside Jupyter with that stub).
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { initBackend } from '../../lib/tf';
import { readNotebook } from '../../scripts/notebooks/check_notebooks';
import { spliceFromFile } from '../../scripts/notebooks/exercises';
import { runExerciseSection, withStubs } from '../helpers/exercise_section';
import { COMMON_MISTAKES } from './common_mistakes';

const DIR = join(__dirname, '..', '..', 'notebooks');

before(async () => {
  process.env.SEE_BACKEND = 'cpu';
  await initBackend('cpu', { quiet: true });
});

test('every common mistake fails its check; the other exercises of the notebook still pass', async () => {
  for (const [name, id, mistake, source] of COMMON_MISTAKES) {
    const file = join(DIR, `${name}.ipynb`);
    const nb = withStubs(spliceFromFile(readNotebook(file), file, join(DIR, 'solutions')), { [id]: source });
    const { lines, printed } = await runExerciseSection(nb);
    const mine = lines.find((l) => l.id === id);
    assert.equal(mine?.status, 'FAIL', `${id} (${mistake}) was not caught:\n${printed}`);
    for (const other of lines.filter((l) => l.id !== id))
      assert.equal(other.status, 'PASS', `${other.id} alongside ${id}: ${other.detail}`);
  }
});
