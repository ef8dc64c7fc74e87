'use strict';
// Plain CommonJS entry of the Proxy-Anchor helper thread (lib/losses/pa_helper_worker.ts): registers
// tsx so the TypeScript loads the same way under `node`, `node --import tsx` and a tslab kernel.
require('tsx/cjs/api').register();
require('./pa_helper_worker.ts');
