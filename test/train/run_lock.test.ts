import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { acquireRunLock, assertNotLocked, holderAlive, liveLockHolder, LOCK_FILE, RunLockedError } from '../../lib/train/run_lock';

const root = mkdtempSync(join(tmpdir(), 'see-lock-'));
after(() => rmSync(root, { recursive: true, force: true }));

/** the pid of a process that has exited (no process has it now, barring reuse within the test) */
function deadPid(): number {
  return spawnSync(process.execPath, ['-e', '0']).pid as number;
}

test('a held lock refuses a second taker, naming the holder; release removes it', () => {
  const dir = join(root, 'held');
  const lock = acquireRunLock(dir);
  const holder = JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8'));
  assert.equal(holder.pid, process.pid);
  assert.equal(holder.host, hostname());
  assert.throws(() => acquireRunLock(dir), (err: Error) => {
    assert.ok(err instanceof RunLockedError);
    assert.match(err.message, new RegExp(`run folder ${dir} is in use: process ${process.pid} on ${hostname()} has held it since`));
    assert.match(err.message, /delete .*run\.lock/);
    return true;
  });
  assert.throws(() => assertNotLocked(dir), RunLockedError);
  lock.release();
  assert.equal(existsSync(join(dir, LOCK_FILE)), false);
  assert.equal(existsSync(dir), false, 'the folder the lock created is removed again while empty');
  assert.doesNotThrow(() => assertNotLocked(dir));
});

test('a lock left by a killed process is stale and taken over; one with a reused pid too', () => {
  const dir = join(root, 'stale');
  const first = acquireRunLock(dir);
  writeFileSync(join(dir, 'config.json'), '{}');
  const dead = { pid: deadPid(), host: hostname(), since: '2026-01-01T00:00:00.000Z' };
  writeFileSync(join(dir, LOCK_FILE), JSON.stringify(dead) + '\n');
  first.release(); // not ours any more: left in place
  assert.ok(existsSync(join(dir, LOCK_FILE)));
  assert.equal(holderAlive(dead), false);
  assert.equal(liveLockHolder(dir), undefined);
  const second = acquireRunLock(dir);
  assert.deepEqual(second.replaced, dead);
  second.release();
  assert.deepEqual(readdirSync(dir), ['config.json'], 'the folder stays: it holds a run');
  // our own pid, but another process start time: the pid was reused, the lock is stale
  const reused = { pid: process.pid, host: hostname(), since: 'x', processStart: '1' };
  assert.equal(holderAlive(reused), false);
  writeFileSync(join(dir, LOCK_FILE), JSON.stringify(reused));
  const third = acquireRunLock(dir);
  assert.equal(third.replaced?.processStart, '1');
  third.release();
});

test('a lock from another host, or a file the kit did not write, is never taken over', () => {
  const dir = join(root, 'foreign');
  const lock = acquireRunLock(dir);
  lock.release();
  writeFileSync(join(root, 'keep'), '');
  const other = { pid: deadPid(), host: `${hostname()}-elsewhere`, since: 'then' };
  writeFileSync(join(root, LOCK_FILE), JSON.stringify(other));
  assert.throws(() => acquireRunLock(root), new RegExp(`process ${other.pid} on ${other.host}-?`));
  writeFileSync(join(root, LOCK_FILE), 'garbage');
  assert.throws(() => acquireRunLock(root), /run\.lock exists but is not a lock this kit wrote/);
  rmSync(join(root, LOCK_FILE));
});
