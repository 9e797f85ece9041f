// demo/demo-mounts.json is the demo node's extra.mounts: recorded data that must keep showing
// every kind of finding (the lead merges it into demo/demo-node.json).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { classifyMounts, type MountsRaw } from '../../src/core/mounts/classify-mounts';

test('demo mounts: stale, readonly, full and missing, linked to storages', () => {
  const raw = JSON.parse(readFileSync(new URL('../../demo/demo-mounts.json', import.meta.url), 'utf8')) as MountsRaw;
  const r = classifyMounts(raw, {});
  const got = r.entries.map(
    (e) => `${e.scope === 'ct' ? `CT ${e.ctid}:` : ''}${e.target} ${e.status} ${e.reason} ${e.storage}`,
  );
  assert.deepEqual(got, [
    '/mnt/media ok null null',
    '/mnt/pve/archive full usage-warning archive',
    '/mnt/pve/backup-nfs stale timeout backup-nfs',
    '/mnt/pve/iso-smb readonly unexpected-readonly iso-smb',
    '/mnt/usb-backup missing not-mounted usb-backup',
    'CT 110:/ ok null null',
    'CT 110:/mnt/backup stale timeout backup-nfs',
    'CT 110:/srv/data readonly remounted-readonly null',
  ]);
  assert.equal(r.status, 2);
});
