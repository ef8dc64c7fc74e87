/**
 * Runs the exercise section of a notebook outside Jupyter: its code cells as one module
 * (scripts/notebooks/exerciseModule), stubs optionally replaced, in this process, and returns the
 * check lines it printed. The tests use it for the committed stubs, the solutions and common mistakes.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { tmpdir } from 'node:os';
import { exerciseModule, findExercises } from '../../scripts/notebooks/exercises';
import type { Notebook } from '../../scripts/notebooks/notebook_check';
import { parseCheckLines, type CheckLine } from '../../lib/teaching/report';

export const LIB_INDEX = resolve(__dirname, '..', '..', 'lib', 'index.ts');

/** A copy of `nb` with the stub of each exercise id in `sources` replaced by that source. */
export function withStubs(nb: Notebook, sources: Record<string, string>): Notebook {
  const out = JSON.parse(JSON.stringify(nb)) as Notebook;
  const exercises = findExercises(out);
  for (const [id, source] of Object.entries(sources)) {
    const e = exercises.find((x) => x.id === id);
    if (!e) throw new Error(`withStubs: the notebook has no exercise ${id}`);
    out.cells[e.stub].source = source;
  }
  return out;
}

/** Runs the section, returns the check lines and everything printed. */
export async function runExerciseSection(nb: Notebook): Promise<{ lines: CheckLine[]; printed: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'see-exercises-'));
  const file = join(dir, 'section.ts');
  writeFileSync(file, exerciseModule(nb, LIB_INDEX));
  const printed: string[] = [];
  const log = console.log;
  console.log = (...args: unknown[]) => {
    printed.push(args.map(String).join(' '));
  };
  try {
    await ((await import(file)) as { done: Promise<void> }).done;
  } finally {
    console.log = log;
    rmSync(dir, { recursive: true, force: true });
  }
  const text = printed.join('\n');
  return { lines: parseCheckLines(text), printed: text };
}
