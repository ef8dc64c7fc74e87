'use strict';
// Plain CommonJS entry of the training worker (lib/train/parallel/train_worker.ts): registers tsx
// so the TypeScript loads the same way under `node`, `node --import tsx` and a tslab kernel.
require('tsx/cjs/api').register();
require('./train_worker.ts');
