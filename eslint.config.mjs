// ESLint (flat config) with typescript-eslint. `npm run lint`; CI runs it (.ci/run).
// Formatting is prettier's job (.prettierrc.json, `npm run format`), so no stylistic rules here.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'node_modules/',
      'data/',
      'notebooks/',
      '**/*_wasm.ts',
      'lib/eval/block_worker_boot.js',
      'lib/train/parallel/train_worker_boot.js',
      'lib/losses/pa_helper_worker_boot.js',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // promises: a forgotten await loses errors and breaks tensor accounting
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          // node:test's test()/describe() return promises the runner itself awaits
          allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['test', 'it', 'describe', 'suite'] }],
        },
      ],
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
      // the kit's rethrown errors quote the cause's message and add the file or value; `cause` is welcome, not required
      'preserve-caught-error': 'off',
    },
  },
  {
    // modules chosen at run time: optional backends, the tslab display, worker set-up, benchmarks by name,
    // the files the GPU-machine pack traces by path
    files: [
      'lib/backend/select.ts',
      'lib/viz/display.ts',
      'lib/eval/block_worker.ts',
      'lib/train/parallel/train_worker.ts',
      'lib/losses/pa_helper_worker.ts',
      'test/bench/run.ts',
      'scripts/gpu_machine/trace_modules.ts',
    ],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
    // some of these lines carry their own disable comment from before the linter was set up
    linterOptions: { reportUnusedDisableDirectives: 'off' },
  },
  {
    // WebGPU under Node cannot read a tensor synchronously: lib/ reads with `await t.data()`
    files: ['lib/**/*.ts'],
    // the one synchronous read left, for cpu/wasm callers only (test/backend/async_reads.test.ts allows it there too);
    // the other one, the training worker's inside its gradient tape (wasm only), is a disable comment on its line
    // in lib/train/parallel/train_worker.ts, with the reason (the same test counts it)
    ignores: ['lib/backend/host_values.ts'],
    rules: {
      'no-restricted-properties': [
        'error',
        {
          property: 'dataSync',
          message: 'read tensors asynchronously in lib/ (await t.data()): WebGPU under Node cannot read synchronously',
        },
        {
          property: 'arraySync',
          message: 'read tensors asynchronously in lib/ (await t.array()): WebGPU under Node cannot read synchronously',
        },
        {
          property: 'bufferSync',
          message: 'read tensors asynchronously in lib/ (await t.buffer()): WebGPU under Node cannot read synchronously',
        },
      ],
    },
  },
);
