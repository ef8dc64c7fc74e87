/**
 * The one line an exercise check prints, and its parser: students read the line, CI reads the
 * same line back from the executed notebooks (scripts/notebooks/exercise_outcomes.ts).
 *   exercise 02.1 · simplex coefficients: PASS — 6 random inputs, largest difference 2.2e-16 ...
 *   exercise 02.1 · simplex coefficients: FAIL — largest difference 0.1667 at [2][0] ...
 *   exercise 02.1 · simplex coefficients: NOT SOLVED YET — simplexByHand still calls notSolved() ...
 */

export type CheckStatus = 'PASS' | 'FAIL' | 'NOT SOLVED YET';
export const CHECK_STATUSES: readonly CheckStatus[] = ['PASS', 'FAIL', 'NOT SOLVED YET'];

/** An exercise id: the notebook's two digits, a dot, the exercise's number (`02.1`). */
export const EXERCISE_ID = /^\d\d\.\d+$/;

export interface CheckLine {
  id: string;
  title: string;
  status: CheckStatus;
  detail: string;
}

export function formatCheckLine(line: CheckLine): string {
  return `exercise ${line.id} · ${line.title}: ${line.status} — ${line.detail}`;
}

const LINE = /^exercise (\d\d\.\d+) · (.+?): (PASS|FAIL|NOT SOLVED YET) — (.*)$/;

/** Every check line in a text (other lines are ignored). */
export function parseCheckLines(text: string): CheckLine[] {
  const out: CheckLine[] = [];
  for (const raw of text.split('\n')) {
    const m = LINE.exec(raw.trimEnd());
    if (m) out.push({ id: m[1], title: m[2], status: m[3] as CheckStatus, detail: m[4] });
  }
  return out;
}
