/**
 * The lint rule that keeps lib/ free of synchronous tensor reads (WebGPU under Node cannot read
 * synchronously): ESLint with the project's config, type information switched off for speed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ESLint } from 'eslint';

const ROOT = join(__dirname, '..');
const SOURCE =
  "import { tf } from './tf';\nexport function first(t: tf.Tensor): number {\n  return t.dataSync()[0] + (t.arraySync() as number[])[0];\n}\n";

async function ruleIds(file: string): Promise<string[]> {
  const eslint = new ESLint({
    cwd: ROOT,
    overrideConfig: {
      languageOptions: { parserOptions: { projectService: false } },
      rules: {
        '@typescript-eslint/no-floating-promises': 'off',
        '@typescript-eslint/no-misused-promises': 'off',
        '@typescript-eslint/await-thenable': 'off',
      },
    },
  });
  const [result] = await eslint.lintText(SOURCE, { filePath: join(ROOT, file) });
  return result.messages.map((m) => `${m.ruleId}: ${m.message}`);
}

test('dataSync and arraySync are errors in lib/, allowed in tests', async () => {
  const lib = await ruleIds('lib/probe.ts');
  assert.equal(lib.length, 2, lib.join('\n'));
  assert.match(lib[0], /^no-restricted-properties: .*dataSync.*await t\.data\(\)/);
  assert.match(lib[1], /^no-restricted-properties: .*arraySync/);
  assert.deepEqual(await ruleIds('test/probe.test.ts'), []);
});
