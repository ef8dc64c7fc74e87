/**
 * Full disk and read-only folders through the command line: a run folder that becomes read-only
 * mid-run (the checkpoint cannot be written), a log file that becomes read-only, and a file-size
 * limit (`ulimit -f` in the child's shell: EFBIG, as a full disk gives ENOSPC) hit by the
 * checkpoint or by the log. Each stops the run with an error naming the file and the last good
 * checkpoint, leaves that checkpoint byte for byte as it was, no temporary file and no torn
 * log record. As root, the child runs as `nobody` (uid 65534) so that permissions apply to it.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { readCheckpoint } from '../../lib/train/checkpoint';
import { loggedBefore, RunDir } from '../../lib/train/run_dir';
import { BIN, runCli, startCli, tinyGlyphRun, waitForStderr } from './child';

const root = mkdtempSync(join(tmpdir(), 'see-writes-'));
const runs = join(root, 'runs');
after(() => {
  for (const d of readdirSync(runs)) chmodSync(join(runs, d), 0o755);
  rmSync(root, { recursive: true, force: true });
});

/** as root, permissions do not bind: run the child as nobody */
const AS_USER = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
const resume = (id: string): string[] => ['train', '--resume', id, '--runs-root', runs, '--backend', 'wasm'];

function chownTree(path: string): void {
  if (!('uid' in AS_USER)) return;
  chownSync(path, 65534, 65534);
  if (statSync(path).isDirectory()) for (const f of readdirSync(path)) chownTree(join(path, f));
}

/** A copy of the base run (checkpoint of epoch 0, killed in epoch 1) under a new id. */
function copyOfBase(id: string): { dir: RunDir; checkpoint: Buffer } {
  cpSync(join(runs, 'base'), join(runs, id), { recursive: true });
  chownTree(join(runs, id));
  const dir = new RunDir(join(runs, id));
  return { dir, checkpoint: readFileSync(dir.checkpointPath) };
}

/** What every failed write must leave: the checkpoint as it was, no temporary file, a log whose every line parses. */
function assertLeftIntact(dir: RunDir, checkpoint: Buffer): void {
  assert.ok(readFileSync(dir.checkpointPath).equals(checkpoint), 'the last good checkpoint is byte for byte as it was');
  assert.equal(readCheckpoint(dir.checkpointPath).state.epoch, 0);
  assert.deepEqual(
    readdirSync(dir.path).filter((f) => f.endsWith('.tmp')),
    [],
    'no temporary file left',
  );
  const text = readFileSync(dir.logPath, 'utf8');
  assert.ok(text.endsWith('\n'), 'the log ends with a whole record');
  for (const line of text.trim().split('\n')) JSON.parse(line);
}

before(async () => {
  if ('uid' in AS_USER) {
    const probe = spawnSync(
      process.execPath,
      ['-e', `require('fs').accessSync(${JSON.stringify(BIN)}, require('fs').constants.R_OK)`],
      AS_USER,
    );
    assert.equal(
      probe.status,
      0,
      `as root these tests run see-kit as uid 65534 (nobody), which must be able to read ${BIN}: ${probe.stderr}`,
    );
  }
  const config = await tinyGlyphRun(root, 3);
  chownTree(root);
  // the base run: killed inside the evaluation of epoch 1, with the checkpoint of epoch 0
  const base = startCli(['train', config, '--runs-root', runs, '--run-id', 'base', '--backend', 'wasm'], {
    SEE_KIT_PAUSE: 'evaluate@2',
    SEE_KIT_PAUSE_MS: '120000',
  });
  await waitForStderr(base, /pause point evaluate #2 reached/, 120000);
  base.proc.kill('SIGKILL');
  await base.exited;
  rmSync(join(runs, 'base', 'run.lock'));
});

/** Resumes `id` as the unprivileged user, pauses it inside its first evaluation, applies `change`, lets it go on; its exit. */
async function resumeChangedMidRun(id: string, change: () => void): Promise<{ code: number | null; err: string }> {
  const go = join(root, `go-${id}`);
  const child = startCli(resume(id), { SEE_KIT_PAUSE: 'evaluate@1', SEE_KIT_PAUSE_UNTIL: go }, AS_USER);
  await waitForStderr(child, /pause point evaluate #1 reached/, 120000);
  change();
  writeFileSync(go, '');
  const { code } = await child.exited;
  return { code, err: child.err.join('') };
}

test('a run folder that becomes read-only mid-run: the checkpoint write fails clearly, the last good one stays', async () => {
  const { dir, checkpoint } = copyOfBase('ro-dir');
  const { code, err } = await resumeChangedMidRun('ro-dir', () => chmodSync(dir.path, 0o555));
  assert.equal(code, 1, err);
  assert.match(
    err,
    /see-kit: cannot write .*ro-dir\/checkpoint\.safetensors \(EACCES: permission denied, open .*\); checkpoint\.safetensors was left as it was\nrun ro-dir stopped at epoch 1 step 3; the last good checkpoint \(epoch 0\) is intact at .*ro-dir\/checkpoint\.safetensors/,
  );
  chmodSync(dir.path, 0o755);
  assertLeftIntact(dir, checkpoint);
  assert.equal(dir.readLog().at(-1)?.event, 'failed', 'the failure is in the log');
  // read-only from the start: refused before anything, the folder unchanged
  const log = readFileSync(dir.logPath);
  rmSync(join(dir.path, 'run.lock'), { force: true });
  chmodSync(dir.path, 0o555);
  const again = await runCli(resume('ro-dir'), {}, AS_USER);
  chmodSync(dir.path, 0o755);
  assert.equal(again.code, 1);
  assert.match(
    again.err,
    /see-kit: cannot create the run lock in .*ro-dir \(EACCES: permission denied.*\); the run folder must be writable/,
  );
  assert.ok(readFileSync(dir.logPath).equals(log));
  assertLeftIntact(dir, checkpoint);
});

test('a log file that becomes read-only mid-run: the append fails clearly, the checkpoint stays', async () => {
  const { dir, checkpoint } = copyOfBase('ro-log');
  const { code, err } = await resumeChangedMidRun('ro-log', () => chmodSync(dir.logPath, 0o444));
  assert.equal(code, 1, err);
  assert.match(
    err,
    /see-kit: cannot append to the run log .*ro-log\/log\.jsonl \(EACCES: permission denied, open .*\); the records before this one are intact\nrun ro-log stopped at epoch 1 step 3; the last good checkpoint \(epoch 0\) is intact/,
  );
  chmodSync(dir.logPath, 0o644);
  assertLeftIntact(dir, checkpoint);
});

test('a file-size limit (ulimit -f) hit by the checkpoint: EFBIG, the last good checkpoint stays, no temporary file', async () => {
  const { dir, checkpoint } = copyOfBase('fsize-ckpt');
  const blocks = Math.floor(checkpoint.length / 1024) - 1; // bash counts 1024-byte blocks; the log stays far below
  const shell = `ulimit -f ${blocks} && exec "${process.execPath}" "${BIN}" ${resume('fsize-ckpt').join(' ')}`;
  const r = await runCli([], {}, { shell });
  assert.equal(r.code, 1, r.err);
  assert.match(
    r.err,
    /see-kit: cannot write .*fsize-ckpt\/checkpoint\.safetensors \(EFBIG: file too large, write\); checkpoint\.safetensors was left as it was\nrun fsize-ckpt stopped at epoch 1 step 3; the last good checkpoint \(epoch 0\) is intact/,
  );
  assertLeftIntact(dir, checkpoint);
});

test('a file-size limit hit by the log: EFBIG, the half-written record is cut off, the checkpoint stays', async () => {
  const { dir, checkpoint } = copyOfBase('fsize-log');
  // the resume keeps the records up to epoch 0; the limit leaves less than 1 KiB above them
  const kept = dir
    .readLog()
    .filter((rec) => loggedBefore(rec, { epoch: 1, step: 0 }))
    .map((rec) => JSON.stringify(rec) + '\n')
    .join('');
  const blocks = Math.floor(Buffer.byteLength(kept) / 1024) + 1;
  const shell = `ulimit -f ${blocks} && exec "${process.execPath}" "${BIN}" ${resume('fsize-log').join(' ')}`;
  const r = await runCli([], {}, { shell });
  assert.equal(r.code, 1, r.err);
  assert.match(
    r.err,
    /see-kit: cannot append to the run log .*fsize-log\/log\.jsonl \(EFBIG: file too large, write\); the records before this one are intact\nrun fsize-log stopped at epoch 1 step \d; the last good checkpoint \(epoch 0\) is intact/,
  );
  assert.ok(statSync(dir.logPath).size <= blocks * 1024);
  assert.ok(existsSync(dir.logPath));
  assertLeftIntact(dir, checkpoint);
});
