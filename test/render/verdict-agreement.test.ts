// No output form says OK or A+ while any part is worse, and a part that could not be checked leaves the
// node without a grade in every form (issue 23/26: one verdict over DM, volumes, storage health and
// mounts). A matrix: a healthy node, then each part worse in turn, then each part UNKNOWN; every form.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { statusOf } from '../../src/core/dm/dm-summary';
import { buildCheckDocument } from '../../src/core/findings/evaluate';
import { guestRows } from '../../src/core/findings/guest-rows';
import { overallOf } from '../../src/core/findings/overall';
import type { CheckDocument, DmEntry, DmResult, MountsResult, Status } from '../../src/core/vocab/types';
import type { VolumesResult } from '../../src/core/vocab/volume-types';
import { buildSubject, buildText } from '../../src/notify/message';
import { renderCheckText } from '../../src/render/check-text';
import { renderCheckmk } from '../../src/render/checkmk';
import { dashboardView } from '../../src/render/dashboard-view';
import { renderHtml } from '../../src/render/html';
import { renderNagios } from '../../src/render/nagios';
import { renderPrometheus } from '../../src/render/prometheus';
import { renderQuietText } from '../../src/render/quiet';
import { healthyDoc } from '../fixtures/docs/check-documents';
import { orphanVolume, volumeEntry, volumesPart } from '../fixtures/docs/volumes-part';
import { dmEntry } from '../helpers/dm-entry';

const NOW = new Date('2026-03-14T10:00:00Z');

interface Parts {
  dm: DmResult;
  mounts: MountsResult;
  volumes: VolumesResult;
}

function healthyParts(): Parts {
  const d = healthyDoc();
  const volumes = volumesPart({ entries: [volumeEntry({ volid: 'local-zfs:vm-100-disk-0' })] });
  volumes.status = 0;
  return { dm: d.dm!, mounts: d.mounts!, volumes };
}

function withDmEntry(p: Parts, e: DmEntry): Parts {
  const entries = [...p.dm.entries, e];
  return { ...p, dm: { ...p.dm, entries, status: statusOf(entries) } };
}

const orphanLv = dmEntry({
  name: 'pve-vm--150--disk--0',
  lv: 'vm-150-disk-0',
  vmid: 150,
  storage: 'local-lvm',
  volume: 'local-lvm:vm-150-disk-0',
  status: 'orphan',
  reason: 'guest-missing',
  detail: 'no guest 150 anywhere in the cluster',
});

const duplicateMap = dmEntry({
  name: 'pve-vm--100--disk--0--copy',
  lv: 'vm-100-disk-0',
  vmid: 100,
  storage: 'local-lvm',
  volume: 'local-lvm:vm-100-disk-0',
  status: 'duplicate',
  reason: 'same-target',
  detail: 'a second map of the same disk',
});

/** Each row: a node with one part worse than OK, and the status the node must have. */
const WORSE: { name: string; status: Status; graded: boolean; make: (p: Parts) => Parts }[] = [
  { name: 'DM orphan', status: 1, graded: true, make: (p) => withDmEntry(p, orphanLv) },
  { name: 'DM duplicate', status: 2, graded: true, make: (p) => withDmEntry(p, duplicateMap) },
  {
    name: 'volume orphan',
    status: 1,
    graded: true,
    make: (p) => ({ ...p, volumes: { ...volumesPart({ entries: [orphanVolume()] }), status: 1 } }),
  },
  {
    name: 'storage warning',
    status: 1,
    graded: true,
    make: (p) => ({
      ...p,
      dm: {
        ...p.dm,
        status: 1,
        storage: [
          {
            id: 'stale-lock:100',
            kind: 'stale-lock',
            severity: 'warning',
            title: 'VM 100 locked',
            detail: 'lock: backup, no task',
            fix: ['qm unlock 100'],
            subject: { vmid: 100 },
          },
        ],
      },
    }),
  },
  {
    name: 'mount stale',
    status: 2,
    graded: true,
    make: (p) => ({
      ...p,
      mounts: {
        ...p.mounts,
        status: 2,
        entries: p.mounts.entries.map((m, i) =>
          i === 0 ? { ...m, status: 'stale', reachable: false, error: 'timeout', usagePercent: null } : m,
        ),
      },
    }),
  },
  {
    name: 'DM UNKNOWN (dmsetup failed)',
    status: 3,
    graded: false,
    make: (p) => ({ ...p, dm: { ...p.dm, entries: [], guests: [], status: 3, error: 'dmsetup exited 1' } }),
  },
  {
    name: 'DM UNKNOWN (lvs timed out)',
    status: 3,
    graded: false,
    make: (p) => ({
      ...p,
      dm: { ...p.dm, status: 3, unchecked: ['lvs: no answer within 30 s'], warnings: ['lvs: no answer within 30 s'] },
    }),
  },
  {
    name: 'volumes UNKNOWN',
    status: 3,
    graded: false,
    make: (p) => ({ ...p, volumes: { ...p.volumes, status: 3, error: 'zfs list failed' } }),
  },
  {
    name: 'mounts UNKNOWN',
    status: 3,
    graded: false,
    make: (p) => ({ ...p, mounts: { ...p.mounts, entries: [], status: 3, error: 'no /proc/self/mountinfo' } }),
  },
];

function doc(p: Parts): CheckDocument {
  return buildCheckDocument({ node: 'pve1', now: NOW, ...p });
}

/** Every output form's first words, and whether each says OK or A+. */
function forms(d: CheckDocument): Record<string, string> {
  return {
    text: renderCheckText(d, { color: false }).split('\n').slice(0, 3).join('\n'),
    quiet: renderQuietText(d, { color: false }).split('\n')[0],
    nagios: renderNagios(d).split('\n')[0],
    checkmk: renderCheckmk(d),
    prometheus: renderPrometheus(d),
    html: renderHtml(d),
    dashboard: JSON.stringify(dashboardView(d)),
    subject: buildSubject(d, 'change', null),
    mail: buildText(d, { added: [], resolved: [], statusFrom: null, kind: 'change' })
      .split('\n')
      .slice(0, 3)
      .join('\n'),
  };
}

const SAYS_OK: Record<string, RegExp> = {
  text: /— OK —|grade A\+/,
  quiet: /— OK —|grade A\+/,
  nagios: /^OK:|grade A\+/,
  checkmk: /grade A\+/,
  prometheus: /^pve_health_status 0$|^pve_health_grade 4$/m,
  html: /data-grade="A\+"|data-status="0"/,
  dashboard: /"status":0,|"grade":"A\+"/,
  subject: /^\[pve-health OK|grade A\+/,
  mail: /: OK\n|grade A\+/,
};

test('verdict: the healthy node says OK and A+ in every form (the matrix below can fail)', () => {
  const d = doc(healthyParts());
  assert.equal(d.status, 0);
  const o = overallOf(d);
  assert.equal(o.grade, 'A+');
  assert.equal(o.score, 100);
  for (const [form, out] of Object.entries(forms(d))) assert.match(out, SAYS_OK[form], `${form} of a healthy node`);
});

for (const row of WORSE) {
  test(`verdict: ${row.name} — no form says OK or A+; ${row.graded ? 'the grade says why' : 'no grade, the headline says which part and why'}`, () => {
    const d = doc(row.make(healthyParts()));
    assert.equal(d.status, row.status, 'the node status');
    const o = overallOf(d);
    for (const [form, out] of Object.entries(forms(d)))
      assert.doesNotMatch(out, SAYS_OK[form], `${form}: ${out.slice(0, 300)}`);
    if (row.graded) {
      assert.notEqual(o.grade, 'A+');
      if (row.status === 2) assert.equal(o.grade, 'F');
      assert.match(o.gradeReason, row.status === 2 ? /any critical problem is F/ : /warning/);
      assert.ok(o.score !== null && o.score < 100, 'the score agrees: below 100');
    } else {
      assert.equal(o.grade, null, 'a part that could not be checked leaves the node without a grade');
      assert.equal(o.score, null);
      assert.equal(o.unchecked.length, 1);
      const label = o.unchecked[0].label;
      assert.match(o.headline, new RegExp(`^not graded — could not check ${label} \\(`));
      // Every form says which part; none shows a grade letter or a score that reads healthy.
      const f = forms(d);
      assert.match(f.nagios, /^UNKNOWN: /);
      assert.ok(f.text.includes(label), 'text names the part');
      assert.ok(f.subject.includes(label) || f.subject.includes('could not check'), `subject: ${f.subject}`);
      assert.doesNotMatch(f.prometheus, /^pve_health_(grade|score) /m);
      assert.match(f.html, /data-grade="none"/);
      assert.doesNotMatch(f.text, /DM grade|score 100/);
      if (label === 'device-mapper' || label === 'volumes') {
        // Its guests are not known to be fine, and the part's own grade and score are left out too.
        assert.ok(
          guestRows(d).every((g) => g.health !== 'ok'),
          'no guest reads ok',
        );
        if (label === 'device-mapper') {
          assert.doesNotMatch(f.nagios, /dm_score=/);
          assert.doesNotMatch(f.prometheus, /^pve_health_dm_(grade|score) /m);
        }
      }
    }
  });
}

test('verdict: the guest table counts every part: a guest with a volume finding is not "ok, 0 issues"', () => {
  const p = healthyParts();
  p.volumes = {
    ...volumesPart({
      entries: [orphanVolume({ vmid: 100, reason: 'not-referenced', volid: 'local-zfs:vm-100-disk-9' })],
    }),
    status: 1,
  };
  const d = doc(p);
  const g = guestRows(d).find((r) => r.vmid === 100)!;
  assert.equal(g.issues, 1);
  assert.equal(g.level, 1);
  assert.equal(g.health, '1 orphan');
  assert.match(renderPrometheus(d), /^pve_health_guest_issues\{id="qemu\/100",[^}]*\} 1$/m);
  assert.match(
    renderPrometheus(d),
    /^pve_health_volume_finding\{volume="local-zfs:vm-100-disk-9",subject="local-zfs:vm-100-disk-9",id="qemu\/100",part="volumes"/m,
  );
});

test('verdict: one duplicate reads grade F with the reason, not a bare "score 80"', () => {
  const d = doc(withDmEntry(healthyParts(), duplicateMap));
  const o = overallOf(d);
  assert.equal(o.grade, 'F');
  assert.equal(o.score, 80);
  assert.equal(o.gradeReason, 'F: any critical problem is F (1 critical problem)');
  const text = renderCheckText(d, { color: false });
  assert.match(text, /Grade F: any critical problem is F \(1 critical problem\); score 80 of 100/);
  // Problems come before the guest table, and lead with the volume ID and the guest.
  assert.ok(text.indexOf('Problems (1)') < text.indexOf('Guests ('), 'problems first');
  assert.match(text, /● CRITICAL local-lvm:vm-100-disk-0 {2}VM 100/);
});
