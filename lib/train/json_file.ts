/** Reading a JSON file with errors that name it: missing, or not JSON (with the parser's reason). */
import { existsSync, readFileSync } from 'node:fs';

/** `label` names the file in errors (default: its path), e.g. "config file <path>". */
export function readJsonFile<T = unknown>(path: string, label = path): T {
  if (!existsSync(path)) throw new Error(`${label} does not exist`);
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch (err) {
    throw new Error(`${label} is not valid JSON: ${(err as Error).message}`);
  }
}
