// planUnquarantine on LVM: what is left to undo follows the LV as it is now (found by its LV UUID).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LvRow } from '../../src/core/parse/parse-lvm';
import { parseStorageConfig } from '../../src/core/parse/storage-config';
import { planUnquarantine, type QuarantineRecord } from '../../src/core/reclaim/plan-unquarantine';

const UUID = 'w5e9YWHfE3mBw6WsT5rHSXG8Q20MvN0Z';
const Q = 'pve-health-q.20261126T000003Z.vm-100-disk-1';
const storages = parseStorageConfig('lvmthin: local-lvm\n\tvgname pve\n\tthinpool data\n\tcontent images\n');
const commands = { rbd: () => ['rbd'], moveFile: () => ['mv'], removeFile: () => ['rm'] };

function rec(op: QuarantineRecord['op']): QuarantineRecord {
  return {
    volid: 'local-lvm:vm-100-disk-1',
    storage: 'local-lvm',
    vmid: 100,
    guestType: 'qemu',
    storageType: 'lvmthin',
    op,
    original: 'vm-100-disk-1',
    quarantine: Q,
    since: '2026-11-26T00:00:03.722Z',
    purgeAfter: '2026-12-03T00:00:03.722Z',
    location: { vg: 'pve', lvUuid: UUID },
    result: 'done',
  };
}
const group = [rec('lv-deactivate'), rec('lv-addtag'), rec('lv-rename')];
const lv = (name: string, tags: string[], active: boolean) =>
  ({ vg: 'pve', name, uuid: UUID, tags, active, origin: '' }) as unknown as LvRow;
const ops = (lvs: LvRow[]) => {
  const u = planUnquarantine(group, { storages, lvs, volumes: [], commands });
  return u.ok ? u.action.steps.map((s) => s.op) : u.why;
};

describe('planUnquarantine (LVM)', () => {
  const rows: { name: string; lvs: LvRow[]; want: string[] | RegExp }[] = [
    {
      name: 'in quarantine: rename, untag, activate',
      lvs: [lv(Q, ['pve-health-quarantine'], false)],
      want: ['lv-rename', 'lv-deltag', 'lv-activate'],
    },
    {
      name: 'renamed back already: untag, activate',
      lvs: [lv('vm-100-disk-1', ['pve-health-quarantine'], false)],
      want: ['lv-deltag', 'lv-activate'],
    },
    { name: 'untagged already: activate', lvs: [lv('vm-100-disk-1', [], false)], want: ['lv-activate'] },
    // Recorded on the testbed's real LVM-thin: a second restore planned `lvchange --deltag` again.
    {
      name: 'restored (a second restore): nothing',
      lvs: [lv('vm-100-disk-1', [], true)],
      want: /already under its original name/,
    },
    { name: 'purged: refused', lvs: [], want: /no longer exists/ },
  ];
  for (const r of rows)
    it(r.name, () => {
      const got = ops(r.lvs);
      if (r.want instanceof RegExp) assert.match(String(got), r.want);
      else assert.deepEqual(got, r.want);
    });
});
