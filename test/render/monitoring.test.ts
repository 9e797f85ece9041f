import assert from 'node:assert/strict';
import { type SpawnSyncReturns, spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { listFindings } from '../../src/core/findings/findings';
import { renderCheckmk } from '../../src/render/checkmk';
import { renderNagios } from '../../src/render/nagios';
import { renderPrometheus } from '../../src/render/prometheus';
import { VERSION } from '../../src/version';
import { healthyDoc, QUOTE_DM, SCRIPT_GUEST, storageDoc, troubledDoc } from '../fixtures/docs/check-documents';
import { runCli } from '../helpers/cli';
import { requireTool } from '../helpers/require-tool';

test('nagios: first line is STATUS: summary | perfdata, then one line per finding', () => {
  const cases = [
    { doc: troubledDoc(), status: 'CRITICAL', findings: 8 },
    { doc: healthyDoc(), status: 'OK', findings: 0 },
  ];
  for (const c of cases) {
    const lines = renderNagios(c.doc).trimEnd().split('\n');
    const m = /^(OK|WARNING|CRITICAL|UNKNOWN): ([^|]+) \| (.+)$/.exec(lines[0]);
    assert.ok(m, lines[0]);
    assert.equal(m[1], c.status);
    // Every perfdata item is label=value[uom][;warn;crit;min;max].
    for (const item of m[3].match(/('[^']*(?:''[^']*)*'|[^ =']+)=\S+/g) ?? []) {
      assert.match(item, /^('.*'|[A-Za-z0-9_.-]+)=-?\d+(\.\d+)?%?(;[^;\s]*){0,4}$/, item);
    }
    assert.equal(lines.filter((l) => /^\[(CRITICAL|WARNING|UNKNOWN|PENDING)\]/.test(l)).length, c.findings);
  }
});

test('nagios: summary counts, thresholds and fix commands', () => {
  const out = renderNagios(troubledDoc());
  const first = out.split('\n')[0];
  assert.match(
    first,
    /^CRITICAL: pve1: grade F: 1 duplicate, 3 orphans, 1 stale mount, 1 readonly mount, 1 full mount, 1 pending \| score=35;;;0;100 /,
  );
  assert.match(first, / dm_orphans=4;0;;0 /);
  assert.match(first, / dm_duplicates=1;;0;0 /);
  assert.match(first, / dm_score=55;;;0;100 /);
  assert.match(first, / '\/mnt\/pve\/iso'=97%;;;0;100/);
  assert.match(first, / 'ct102:\/mnt\/shared'=40%;;;0;100$/);
  assert.match(
    out,
    /\n\[CRITICAL\] local-lvm:vm-103-disk-0 \(VM 103 app03\) duplicate: .*\n {4}dmsetup remove -u LVM-bbbb103old\n/,
  );
  assert.match(out, /\n\[PENDING\] local-lvm:vm-110-disk-0 \(.*\) orphan: .*\(pending: task:qmrestore\)\n/);
  // The DM name with a quote is shell-quoted in nothing but stays readable; the fix uses the UUID.
  assert.ok(out.includes(`${QUOTE_DM} (guest 107) orphan:`));
});

test('nagios: a "|" or newline from the system never breaks the output', () => {
  const doc = troubledDoc();
  doc.node = 'pve|1\nx';
  doc.dm!.entries[5].detail = 'a | b\nc';
  const out = renderNagios(doc);
  assert.equal(out.split('\n')[0].split('|').length, 2);
  assert.ok(!out.includes('a | b'));
  assert.ok(out.includes('a / b c'));
});

test('checkmk: one local-check line per service, state first, metrics parseable', () => {
  const cases = [
    { doc: troubledDoc(), dm: 2, mounts: 2 },
    { doc: healthyDoc(), dm: 0, mounts: 0 },
    { doc: { ...troubledDoc(), mounts: undefined }, dm: 2, mounts: null },
  ];
  for (const c of cases) {
    const lines = renderCheckmk(c.doc).trimEnd().split('\n');
    // DM, the mounts aggregate, and one service per mount.
    assert.equal(lines.length, c.mounts === null ? 1 : 2 + (c.doc.mounts?.entries.length ?? 0));
    for (const l of lines) {
      const m =
        /^([0-3]) "([^"]+)" (-|[A-Za-z0-9_]+=[-\d.]+(;[-\d.]*){0,4}(\|[A-Za-z0-9_]+=[-\d.]+(;[-\d.]*){0,4})*) (.+)$/.exec(
          l,
        );
      assert.ok(m, l);
    }
    assert.ok(lines[0].startsWith(`${c.dm} "PVE-Health DM" `));
    if (c.mounts !== null) assert.ok(lines[1].startsWith(`${c.mounts} "PVE-Health mounts" `));
  }
  const out = renderCheckmk(troubledDoc());
  assert.match(out, /dm_orphans=4;1;;0\|dm_duplicates=1;;1;0/);
  assert.match(out, /1 duplicate, 3 orphans, 1 pending; 2 valid of 10 \(node: CRITICAL, grade F\)/);
  assert.match(
    out,
    /\\nCRITICAL local-lvm:vm-103-disk-0 \(VM 103 app03\) duplicate: [^\\]*\\n {4}dmsetup remove -u LVM-bbbb103old\\n/,
  );
  assert.match(out, /\\nCRITICAL \/mnt\/pve\/nfs-backup stale: /);
  assert.ok(out.includes(SCRIPT_GUEST) === false, 'guest names are not part of the checkmk lines');
  // One service per mount, named by where it is, with its own state and filesystem metrics.
  assert.match(out, /^2 "PVE-Health mount \/mnt\/pve\/nfs-backup" - STALE: /m);
  assert.match(
    out,
    /^1 "PVE-Health mount \/mnt\/pve\/iso" fs_used_percent=97;;;0;100\|fs_used=\d+;;;0;\d+\|fs_size=\d+;;;0 /m,
  );
});

test('checkmk: a mounts part that could not be checked has no per-mount services, only the UNKNOWN aggregate', () => {
  const doc = troubledDoc();
  const out = renderCheckmk({ ...doc, mounts: { ...doc.mounts!, status: 3, error: 'no /proc/self/mountinfo' } });
  assert.match(out, /^3 "PVE-Health mounts" - could not check the mounts: no \/proc\/self\/mountinfo/m);
  assert.doesNotMatch(out, /"PVE-Health mount /);
});

test('prometheus: grade, counts per status and reason, guests, mounts, run time', () => {
  const out = renderPrometheus(troubledDoc(), { durationSeconds: 1.23456 });
  const want = [
    'pve_health_status 2',
    'pve_health_dm_grade 0',
    'pve_health_dm_score 55',
    'pve_health_dm_entries{status="orphan"} 4',
    'pve_health_dm_entries{status="unknown"} 0',
    'pve_health_dm_entries_by_reason{status="duplicate",reason="stale-map"} 1',
    'pve_health_dm_entries_by_reason{status="orphan",reason="guest-missing"} 2',
    `pve_health_guest_issues{id="qemu/101",vmid="101",type="qemu",name="<script>alert(1)</script>"} 0`,
    'pve_health_mount_state{scope="host",ctid="",target="/mnt/pve/nfs-backup",mountpoint="/mnt/pve/nfs-backup",fstype="nfs4",storage="nfs-backup",state="stale"} 1',
    'pve_health_mount_usage_ratio{scope="host",ctid="",target="/mnt/pve/iso",mountpoint="/mnt/pve/iso",fstype="cifs",storage="iso"} 0.97',
    'pve_health_last_run_timestamp_seconds 1773480413',
    'pve_health_run_duration_seconds 1.235',
    'pve_health_mounts{status="stale"} 1',
  ];
  for (const w of want) assert.ok(out.split('\n').includes(w), `missing: ${w}`);
  assert.ok(!/nfs-backup.*pve_health_mount_size_bytes/.test(out));
  assert.equal(
    renderPrometheus(troubledDoc(), { timestampSeconds: 5 }).includes('pve_health_last_run_timestamp_seconds 5\n'),
    true,
  );
});

test('prometheus: pve_health_build_info carries the version; a container mount has no host mountpoint to join', () => {
  const out = renderPrometheus(troubledDoc(), {});
  assert.ok(out.includes(`# TYPE pve_health_build_info gauge\npve_health_build_info{version="${VERSION}"} 1\n`), out);
  // The node name stays where the alert rules join it from.
  assert.ok(out.split('\n').includes('pve_health_info{node="pve1",source="live"} 1'));
  const ct = out.split('\n').filter((l) => l.startsWith('pve_health_mount_state{scope="ct"'));
  assert.equal(ct.length, 7, 'one series per state (ok, stale, readonly, full, missing, unchecked, leftover)');
  for (const l of ct)
    assert.match(l, /^pve_health_mount_state\{scope="ct",ctid="102",target="\/mnt\/shared",mountpoint="",/, l);
  // Host mounts keep node_exporter's label; no container series could join the host's "/".
  const host = out.split('\n').filter((l) => l.startsWith('pve_health_mount_state{scope="host"'));
  for (const l of host) assert.match(l, /,mountpoint="\/mnt\/pve\/[a-z-]+",/, l);
  const doc = troubledDoc();
  doc.mounts!.entries[3].target = '/';
  assert.ok(!/mountpoint="\/"/.test(renderPrometheus(doc, {})), 'a CT root filesystem is not mountpoint="/"');
});

test('prometheus: label values with quotes, backslashes and newlines are escaped', () => {
  const doc = troubledDoc();
  doc.dm!.guests[0].name = 'a"b\\c\nd';
  const out = renderPrometheus(doc, {});
  assert.ok(out.includes('name="a\\"b\\\\c\\nd"'));
});

test('prometheus: promtool check metrics accepts the output', (t): void => {
  const promtool = requireTool(t, 'promtool', 'prometheus');
  if (!promtool) return;
  for (const doc of [troubledDoc(), healthyDoc(), { ...troubledDoc(), dm: undefined }]) {
    const text = renderPrometheus(doc, { durationSeconds: 0.5 });
    const r: SpawnSyncReturns<string> = spawnSync(promtool, ['check', 'metrics'], { input: text, encoding: 'utf8' });
    assert.equal(r.status, 0, `promtool: ${r.stdout}${r.stderr}`);
    assert.equal(`${r.stdout}${r.stderr}`.trim(), '', 'no lint warnings');
  }
  // promtool is not a rubber stamp: a broken exposition fails.
  const bad = spawnSync(promtool, ['check', 'metrics'], { input: 'pve_health_x{a="1} 1\n', encoding: 'utf8' });
  assert.notEqual(bad.status, 0);
});

test('storage findings and missing mounts reach every format', (t): void => {
  const doc = storageDoc();
  const f = listFindings(doc);
  assert.deepEqual(
    f.filter((x) => x.part === 'storage').map((x) => [x.key, x.severity, x.subject]),
    [
      ['storage:thin-data:pve/data', 2, 'pve/data'],
      ['storage:stale-lock:105', 1, 'guest 105'],
    ],
  );
  const missing = f.find((x) => x.status === 'missing')!;
  assert.equal(missing.severity, 2);
  assert.match(missing.detail, /PVE mounts storage 'nfs-vz' itself before it uses it/);
  assert.match(missing.explanation, /container bind mounts and other writers there write to the root disk/);
  const nagios = renderNagios(doc);
  assert.match(
    nagios,
    /^CRITICAL: pve1: grade F: 1 duplicate, 3 orphans, 2 storage issues, 1 stale mount, 1 missing mount, /,
  );
  assert.match(nagios, / storage_critical=1;;0;0 storage_warning=1;0;;0 /);
  assert.match(nagios, / mounts_missing=1;;0;0/);
  assert.match(
    nagios,
    /\n\[CRITICAL\] pve\/data storage: Thin pool pve\/data is 97% full — data 97\.1% \(critical at 95%\)\n {4}lvextend -L \+50G pve\/data\n/,
  );
  assert.match(renderCheckmk(doc), /\\nCRITICAL pve\/data storage: Thin pool/);
  const prom = renderPrometheus(doc, {});
  for (const line of [
    'pve_health_storage_findings{severity="critical"} 1',
    'pve_health_storage_findings{severity="info"} 1',
    'pve_health_storage_findings_by_kind{kind="thin-data",severity="critical"} 1',
    'pve_health_mounts{status="missing"} 1',
  ]) {
    assert.ok(prom.split('\n').includes(line), line);
  }
  const promtool = requireTool(t, 'promtool', 'prometheus');
  if (!promtool) return;
  const r: SpawnSyncReturns<string> = spawnSync(promtool, ['check', 'metrics'], { input: prom, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.equal(`${r.stdout}${r.stderr}`.trim(), '');
});

test('a mounts part that could not be checked says so (nagios, checkmk)', () => {
  const doc = troubledDoc();
  doc.mounts = { summary: {}, entries: [], status: 3, error: 'cannot read /proc/self/mountinfo' };
  doc.status = 3;
  assert.match(renderNagios(doc), /^UNKNOWN: /);
  assert.match(renderNagios(doc), /\n\[UNKNOWN\] mounts: could not check: cannot read \/proc\/self\/mountinfo\n/);
  assert.match(
    renderCheckmk(doc),
    /\n3 "PVE-Health mounts" \S+ could not check the mounts: cannot read \/proc\/self\/mountinfo\n$/,
  );
});

// Issue 60: every finding's commands, volumes too, each on a line of its own that runs as it stands (what
// it is follows as a shell comment); never one flattened line.
test('nagios and checkmk: a volume finding carries its commands, each runnable on its own line', () => {
  const nagios = runCli(['check', '--demo', '--format', 'nagios']).stdout;
  assert.match(
    nagios,
    /\n\[WARNING\] local:103\/old-import\.qcow2 \(VM 103 test03\) orphan: [^\n]*\n {4}qm disk rescan --vmid 103 {2}# keep\n {4}pve-health reclaim --name local:103\/old-import\.qcow2 {2}# reclaim\n {4}pvesm free local:103\/old-import\.qcow2 {2}# drop \(irreversible\)\n/,
  );
  // a mount's several commands: one per line, in their order
  assert.match(nagios, /\n {4}showmount -e 10\.0\.0\.20\n {4}umount -l \/mnt\/pve\/backup-nfs\n/);
  const checkmk = runCli(['check', '--demo', '--format', 'checkmk']).stdout;
  assert.match(
    checkmk,
    /old-import\.qcow2 \(VM 103 test03\) orphan: [^\\]*\\n {4}qm disk rescan --vmid 103 {2}# keep\\n/,
  );
});
