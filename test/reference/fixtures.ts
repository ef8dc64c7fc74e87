/**
 * Reads the official code's reference cases from $REFERENCE_FIXTURES (default test/fixtures/reference,
 * the copy kept in the repository) and prints `reference parity (<file>): N cases checked`.
 * The parity tests depend only on the format described in test/fixtures/reference/README.md.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export function referenceDir(): string {
  const dir = resolve(process.env.REFERENCE_FIXTURES ?? join(__dirname, '..', 'fixtures', 'reference'));
  if (!existsSync(dir)) {
    throw new Error(`reference fixtures folder ${dir} does not exist; set REFERENCE_FIXTURES to a folder of official-code cases`);
  }
  return dir;
}

/** Parsed JSON of one fixture file; the error names the file when it is missing or malformed. */
export function readReference<T>(file: string): T {
  const path = join(referenceDir(), file);
  if (!existsSync(path)) throw new Error(`reference file ${path} is missing`);
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch (err) {
    throw new Error(`reference file ${path} is not valid JSON: ${(err as Error).message}`);
  }
}

/** Prints the line CI and users look for; throws when nothing was checked. */
export function reportParity(file: string, cases: number): void {
  if (cases <= 0) throw new Error(`reference parity (${file}): no cases found`);
  console.log(`reference parity (${file}): ${cases} cases checked`);
}

/** |a-b| <= tol * max(|b|, 1e-3): relative tolerance, absolute below 1e-3 (the rule). */
export function closeTo(actual: number, expected: number, tol = 1e-4): boolean {
  return Math.abs(actual - expected) <= tol * Math.max(Math.abs(expected), 1e-3);
}
