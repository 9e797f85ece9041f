// Acknowledged guest volumes (ZFS, Ceph RBD, file storages) on fakenode's mixed-volumes node: `pve-health
// ack` lists and stores them like LVs and mounts; an acknowledged orphaned volume stops counting (status,
// exit code, notify) and every output says it is acknowledged; removing the ack brings it back.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { CheckDocument } from '../../src/core/vocab/types';
import { dashboardView } from '../../src/render/dashboard-view';
import { buildNode, hasFakenode, nodePath, runCli, SHARED, tempDir } from '../helpers/cli';

const SCENARIO = join(SHARED, 'fakenode/scenarios/mixed-volumes.json');
const skip = hasFakenode ? false : 'needs ../shared/fakenode';

test('ack a ZFS/RBD/file volume: it stops counting (status, exit code, notify) and every output says acknowledged', {
  skip,
}, () => {
  const node = buildNode(SCENARIO);
  const dir = tempDir('pvh-volume-acks-');
  const cli = (args: string[]) =>
    runCli(['--root', join(node, 'root'), ...args], { env: { PATH: `${nodePath(node)}:${process.env.PATH}` } });
  // A sendmail stand-in: every message appended to one file.
  const mail = join(dir, 'mail.txt');
  const sendmail = join(dir, 'sendmail');
  writeFileSync(sendmail, `#!/bin/sh\ncat >> '${mail}'\necho '%% end of message %%' >> '${mail}'\n`, { mode: 0o755 });
  const cfg = join(dir, 'config.toml');
  // root's 0600: it names a program run as root (config trust rule).
  writeFileSync(cfg, `[notify.sendmail]\npath = "${sendmail}"\nto = "root@example.org"\n`, { mode: 0o600 });
  // The messages as text: quoted-printable decoded (soft line breaks joined, =XX bytes restored).
  const mails = () =>
    (existsSync(mail) ? readFileSync(mail, 'utf8').split('%% end of message %%\n') : [])
      .filter((m) => m.trim())
      .map((m) =>
        Buffer.from(
          m.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_, h) => String.fromCharCode(Number.parseInt(h, 16))),
          'latin1',
        ).toString('utf8'),
      );

  // Only the volumes part is not OK on this node: its orphans alone make the WARNING.
  const before = JSON.parse(cli(['check', '--json']).stdout) as CheckDocument;
  assert.equal(before.status, 1);
  assert.equal(before.volumes?.status, 1);
  assert.equal(before.dm?.status, 0);
  assert.equal(before.mounts?.status, 0);

  // `ack` lists the volume findings with their keys, and acknowledges each.
  const listed = JSON.parse(cli(['ack', '--json']).stdout) as { key: string; severity: number }[];
  const keys = listed.filter((f) => f.key.startsWith('volume:')).map((f) => f.key);
  assert.ok(keys.length >= 3, `volume findings listed: ${keys.join(', ')}`);
  assert.ok(keys.includes('volume:orphan:guest-missing:local-zfs:vm-150-disk-0'));
  for (const k of keys) {
    const r = cli(['ack', k, '--for', '7d', '--reason', 'kept for the audit']);
    assert.equal(r.code, 0, r.stderr);
  }
  assert.match(
    cli(['ack', '--list']).stdout,
    /WARNING\s+volume:orphan:guest-missing:ceph-vm:vm-151-disk-0\s+kept for the audit/,
  );

  // Status and exit code: OK, with the status before the acks kept beside it.
  const check = cli(['check', '--json', '--config', cfg, '--notify']);
  assert.equal(check.code, 0, check.stderr);
  const doc = JSON.parse(check.stdout) as CheckDocument;
  assert.equal(doc.status, 0);
  assert.equal(doc.statusWithoutAcks, 1);
  assert.equal(doc.volumes?.status, 0);
  assert.equal(doc.volumes?.statusWithoutAcks, 1);
  assert.deepEqual(doc.acknowledged?.map((a) => a.key).sort(), [...keys].sort());
  assert.ok(doc.acknowledged?.every((a) => a.part === 'volumes' && a.reason === 'kept for the audit'));
  // Notify: nothing counts, so a first run says nothing.
  assert.deepEqual(mails(), [], 'no mail for acknowledged findings');
  assert.match(check.stderr, /notify: sendmail .*not sent \(unchanged\)/);

  // Every output says it is acknowledged.
  const text = cli(['check']).stdout;
  assert.match(text, /^pve-health pve1 — OK — grade A\+: /);
  assert.match(
    text,
    /Volumes \(ZFS, Ceph RBD, file storages\) — OK \(WARNING without the acknowledged\): .*, \d+ acknowledged,/,
  );
  // check lists the problems first in one style; the acknowledged ones in their own section.
  assert.match(text, /\n {2}local-zfs:vm-150-disk-0 {2}WARNING, until .* UTC: kept for the audit\n/);
  assert.match(text, new RegExp(`Acknowledged \\(${keys.length}, not counted — WARNING without them\\)`));
  const volumesText = cli(['volumes']);
  assert.equal(volumesText.code, 0);
  // volumes prints as check does: the acknowledged findings in their own section, not as problems.
  assert.match(volumesText.stdout, /\n {2}ceph-vm:vm-151-disk-0 {2}WARNING, until .* UTC: kept for the audit\n/);
  assert.doesNotMatch(volumesText.stdout, /^Problems \(/m);
  assert.match(volumesText.stdout, /Acknowledged \(\d+, not counted — WARNING without them\)/);
  const volumesJson = cli(['volumes', '--json']);
  assert.equal(volumesJson.code, 0);
  assert.equal((JSON.parse(volumesJson.stdout) as CheckDocument).acknowledged?.length, keys.length);
  const quiet = cli(['check', '-q']).stdout;
  assert.match(
    quiet,
    /^ACK {6}local-zfs:vm-150-disk-0( \(.*\))? {2}orphan\/guest-missing — acknowledged WARNING until .* kept for the audit \(not counted\)$/m,
  );
  assert.doesNotMatch(quiet, /^WARNING/m);
  const nagios = cli(['check', '--format', 'nagios']);
  assert.equal(nagios.code, 0);
  assert.match(nagios.stdout, /^OK: /);
  assert.match(
    nagios.stdout,
    /\[ACK WARNING\] local-zfs:vm-150-disk-0( \(.*\))? orphan: .*\(acknowledged until [^:]+:\d\d:\d\d\.\d+Z: kept for the audit\)/,
  );
  const checkmk = cli(['check', '--format', 'checkmk']).stdout;
  // The service line, then its long output (Checkmk's literal \n) with each finding.
  assert.match(
    checkmk,
    /^0 "PVE-Health volumes" .* \d+ orphaned of \d+ volumes \([^)]*\), \d+ acknowledged \(not counted\)\\n/m,
  );
  assert.match(checkmk, /ACK WARNING ceph-vm:vm-151-disk-0( \(.*\))? orphan/);
  const prom = cli(['check', '--format', 'prometheus']).stdout;
  assert.match(prom, /^pve_health_status 0$/m);
  assert.match(prom, /^pve_health_volumes_status 0$/m);
  assert.match(prom, new RegExp(`^pve_health_acknowledged_findings ${keys.length}$`, 'm'));
  const html = join(dir, 'report.html');
  assert.equal(cli(['report', '--html', html]).code, 0);
  const page = readFileSync(html, 'utf8').replace(/<wbr>/g, '');
  assert.match(page, />orphan · acknowledged<\/span> <code[^>]*>local-zfs:vm-150-disk-0<\/code>/);
  assert.match(page, /\d+ acknowledged, 0 unknown \(WARNING without the acknowledged\)/);
  const view = dashboardView(doc);
  assert.equal(view.counts.acknowledged, keys.length);
  assert.equal(view.counts.warning, 0);

  // The ack removed: the volume counts again, exit 1, and notify announces it as new.
  assert.equal(cli(['ack', '--remove', 'volume:orphan:guest-missing:local-zfs:vm-150-disk-0']).code, 0);
  const again = cli(['check', '-q', '--config', cfg, '--notify']);
  assert.equal(again.code, 1);
  assert.match(again.stdout, /^WARNING {2}local-zfs:vm-150-disk-0( \(.*\))? {2}orphan\/guest-missing — /m);
  assert.equal(mails().length, 1);
  assert.match(mails()[0], /\+ orphan volume local-zfs:vm-150-disk-0 \(guest-missing\)/);
  assert.match(
    mails()[0],
    /\[ACK WARNING\] ceph-vm:vm-151-disk-0( \(.*\))? orphan: .*\n\s+acknowledged until .* \(not counted\): kept for the audit/,
  );
});

test('a storage that could not be listed keeps the volumes part UNKNOWN whatever is acknowledged; unknown keys are refused', {
  skip,
}, () => {
  const s = JSON.parse(readFileSync(SCENARIO, 'utf8'));
  s.opts = { ...(s.opts ?? {}), unmounted: ['nfs-store'] };
  const f = join(tempDir(), 'hang.json');
  writeFileSync(f, JSON.stringify(s));
  const node = buildNode(f);
  const cli = (args: string[]) =>
    runCli(['--root', join(node, 'root'), ...args], { env: { PATH: `${nodePath(node)}:${process.env.PATH}` } });
  const bad = cli(['ack', 'volume:orphan:guest-missing:local-zfs:vm-999-disk-0', '--for', '1d', '--reason', 'x']);
  assert.equal(bad.code, 64);
  assert.match(bad.stderr, /no current finding has the key/);
  // Every storage that answered can still be acknowledged; the part stays UNKNOWN (never silenced).
  const listed = JSON.parse(cli(['ack', '--json']).stdout) as { key: string; severity: number }[];
  for (const k of listed.filter((x) => x.key.startsWith('volume:') && x.severity !== 3).map((x) => x.key))
    assert.equal(cli(['ack', k, '--for', '1d', '--reason', 'seen']).code, 0);
  const doc = JSON.parse(cli(['check', '--json']).stdout) as CheckDocument;
  assert.ok((doc.acknowledged?.length ?? 0) > 0);
  assert.equal(doc.volumes?.status, 3);
  // The unmounted storage is a CRITICAL mount finding of its own: the worst status stays.
  assert.equal(doc.status, 2);
});

test('ack --keys: the keys `ack KEY` accepts now, one per line; with --list the stored ones (the completion reads both)', {
  skip,
}, () => {
  const node = buildNode(SCENARIO);
  const cli = (args: string[]) =>
    runCli(['--root', join(node, 'root'), ...args], { env: { PATH: `${nodePath(node)}:${process.env.PATH}` } });
  const table = cli(['ack', '--format', 'json']);
  assert.equal(table.code, 0, table.stderr);
  const rows = JSON.parse(table.stdout) as { key: string; severity: number; acknowledged?: unknown }[];
  const ackable = rows
    .filter((r) => !r.acknowledged && r.severity !== 3)
    .map((r) => r.key)
    .sort();
  assert.ok(
    ackable.some((k) => k.startsWith('volume:')),
    'the volume orphans are among them',
  );
  const keys = cli(['ack', '--keys']);
  assert.equal(keys.code, 0, keys.stderr);
  assert.deepEqual(keys.stdout.split('\n').filter(Boolean), ackable);
  // Stored acknowledgements: none yet, then the one acknowledged (its key, not the finding's subject).
  assert.equal(cli(['ack', '--list', '--keys']).stdout, '');
  const done = cli(['ack', ackable[0], '--for', '1d', '--reason', 'kept for the audit']);
  assert.equal(done.code, 0, done.stderr);
  assert.equal(cli(['ack', '--list', '--keys']).stdout, `${ackable[0]}\n`);
  // An acknowledged finding is no longer offered.
  assert.ok(!cli(['ack', '--keys']).stdout.split('\n').includes(ackable[0]));
  // --keys lists: with a KEY or --remove it is a usage error.
  for (const args of [
    ['ack', '--keys', ackable[1]],
    ['ack', '--keys', '--remove', ackable[0]],
  ]) {
    const r = cli(args);
    assert.equal(r.code, 64, args.join(' '));
    assert.match(r.stderr, /--keys lists keys/);
  }
});
