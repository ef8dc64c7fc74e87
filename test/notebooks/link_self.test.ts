/** The postinstall link node_modules/see-kit -> .. is created, kept, repaired, and never clobbers a folder. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, readlinkSync, rmSync, symlinkSync, realpathSync, writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { linkSelf } from '../../scripts/notebooks/link_self';

test('linkSelf creates, keeps and repairs the link, and refuses a real folder', () => {
  const root = mkdtempSync(join(tmpdir(), 'see-link-'));
  try {
    writeFileSync(join(root, 'marker.txt'), 'root');
    assert.equal(linkSelf(root), 'created');
    const link = join(root, 'node_modules', 'see-kit');
    assert.equal(readlinkSync(link), '..');
    assert.equal(readFileSync(join(link, 'marker.txt'), 'utf8'), 'root');
    assert.equal(realpathSync(link), realpathSync(root));
    assert.equal(linkSelf(root), 'kept');
    rmSync(link);
    symlinkSync('/nonexistent', link);
    assert.equal(linkSelf(root), 'replaced');
    assert.equal(readlinkSync(link), '..');
    rmSync(link);
    mkdirSync(link);
    assert.throws(() => linkSelf(root), /exists and is not a symlink/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
