'use strict';
// Plain CommonJS entry of the evaluation worker (lib/eval/block_worker.ts): registers tsx so the
// TypeScript loads the same way under `node`, `node --import tsx` and a tslab kernel.
require('tsx/cjs/api').register();
require('./block_worker.ts');
