/** StopSignals: the first signal asks for a stop; a second one exits at once, unless it is the same stop arriving twice within a second. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { StopSignals } from '../../lib/train/stop_signal';

test('a repeat within a second is the same stop (Ctrl-C reaching a pool and its runs); a later one exits with 128 + signal', async () => {
  const exits: number[] = [];
  const said: string[] = [];
  const stop = new StopSignals(
    ['SIGUSR2'],
    (l) => said.push(l),
    (code) => exits.push(code),
  );
  try {
    assert.equal(stop.signal, undefined);
    process.kill(process.pid, 'SIGUSR2'); // a real signal reaches the handler
    for (let i = 0; i < 400 && stop.signal === undefined; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(stop.signal, 'SIGUSR2');
    assert.match(said[0], /SIGUSR2: stopping at the next step boundary with a checkpoint/);
    process.emit('SIGUSR2', 'SIGUSR2'); // the same stop again, at once (listeners run synchronously)
    assert.deepEqual(exits, [], 'the same stop twice: no exit');
    await new Promise((r) => setTimeout(r, 1050));
    process.emit('SIGUSR2', 'SIGUSR2');
    assert.deepEqual(exits, [128 + 12], 'a second stop later: exit at once (SIGUSR2 is 12)');
  } finally {
    stop.dispose();
  }
});
