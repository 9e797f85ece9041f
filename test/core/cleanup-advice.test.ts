// The advice beside an LV that stays (core/cleanup/cleanup-hints.ts adviceFor), step by step with its
// command: attach it back to its guest (`qm disk rescan` / `pct rescan`, only where the rescan can work:
// proxmox-facts §11, it loads the guest's config on the node it runs on and skips a volume the config
// already names), and only where nothing another guest, node or operation uses can be destroyed, set it
// aside (`pve-health reclaim`) or drop it (`pvesm free`, irreversible). A pending operation, a stale lock,
// a snapshot LV and a saferemove leftover get words (and at most an unlock), never a drop.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { adviceFor, hintFor, type PlanContext } from '../../src/core/cleanup/cleanup-hints';
import { dropStep, keepStep, type NextStep, otherStep, reclaimStep } from '../../src/core/vocab/next-step';
import type { DmEntry } from '../../src/core/vocab/types';
import { dmEntry } from '../helpers/dm-entry';

/** An active LV of local-lvm (its map) that no config of guest 150 names; the guest lives on pve1. */
const lv = (over: Partial<DmEntry> = {}): DmEntry =>
  dmEntry({
    name: 'pve-vm--150--disk--0',
    uuid: `LVM-${'a'.repeat(64)}`,
    vg: 'pve',
    lv: 'vm-150-disk-0',
    vmid: 150,
    volume: 'local-lvm:vm-150-disk-0',
    status: 'orphan',
    reason: 'not-referenced',
    guestType: 'qemu',
    guestNode: 'pve1',
    ...over,
  });

const CTX: PlanContext = { node: 'pve1', sharedStorages: ['san'] };
const RESCAN_QM = ['qm', 'disk', 'rescan', '--vmid', '150'];
const RESCAN_CT = ['pct', 'rescan', '--vmid', '150'];
/** What a volume reclaim may take is offered twice: quarantined (reversible), or freed now. */
const reclaimOrDrop = (volume: string) => [
  reclaimStep(volume),
  dropStep('or drop it now (irreversible: deletes the data)', ['pvesm', 'free', volume]),
];
const [RECLAIM, DROP] = reclaimOrDrop('local-lvm:vm-150-disk-0');
const ATTACH = (cmd: string[], where = '') =>
  keepStep(`data kept; to keep it, attach it to guest 150${where ? ` (run it on node ${where})` : ''}`, cmd);
const CHECK_PVE2 = (move: string) =>
  otherStep(
    `before anything irreversible, check that pve2 has local-lvm:vm-150-disk-0 (if it lists none, this is the guest's only disk: never drop it; bring the guest back to it, then ${move} it where it should run)`,
    ['ssh', 'pve2', 'pvesm', 'list', 'local-lvm', '--vmid', '150'],
  );
const GATED_DROP = dropStep('only if pve2 has its own copy: drop this leftover (irreversible)', [
  'pvesm',
  'free',
  'local-lvm:vm-150-disk-0',
]);
const RECREATE = (cmd: string[]) => keepStep('data kept; to keep it, create guest 150 again and attach it', cmd);

describe('adviceFor: keep it, set it aside, or drop it', () => {
  const cases: [string, DmEntry, PlanContext, NextStep[] | undefined][] = [
    ['a VM disk no config names, guest here', lv(), CTX, [ATTACH(RESCAN_QM), RECLAIM, DROP]],
    ['the same for a CT', lv({ guestType: 'lxc' }), CTX, [ATTACH(RESCAN_CT), RECLAIM, DROP]],
    ["the guest's type unknown: qm", lv({ guestType: null }), CTX, [ATTACH(RESCAN_QM), RECLAIM, DROP]],
    ['the guest is gone', lv({ reason: 'guest-missing', guestNode: null }), CTX, [RECREATE(RESCAN_QM), RECLAIM, DROP]],
    // An inactive LV (no map): its guest gone is told by the cluster's configs (guestNode null).
    [
      'an inactive leftover whose guest is gone',
      lv({ kind: 'lv', active: false, reason: 'inactive-leftover', guestNode: null }),
      CTX,
      [RECREATE(RESCAN_QM), RECLAIM, DROP],
    ],
    [
      'an inactive leftover whose guest lives here',
      lv({ kind: 'lv', active: false, reason: 'inactive-leftover' }),
      CTX,
      [ATTACH(RESCAN_QM), RECLAIM, DROP],
    ],
    [
      'an inactive leftover whose guest lives on another node (local storage): no rescan here, its own copy to set aside or drop',
      lv({ kind: 'lv', active: false, reason: 'inactive-leftover', guestNode: 'pve2' }),
      CTX,
      [RECLAIM, DROP],
    ],
    // A local LV of a guest on pve2 (classify-dm: not-referenced, pve2's config names pve2's own LV of
    // that name): `qm disk rescan` on pve2 cannot see pve1's local storage.
    ['its guest lives on another node, local storage', lv({ guestNode: 'pve2' }), CTX, [RECLAIM, DROP]],
    // pve2's config names this very volume ID: pve2's own copy, or (HA recovery moved only the config)
    // the guest's only disk. Reclaim stays; the drop waits behind a look at pve2.
    [
      'a config on another node names this very volume ID: check that node before the drop',
      lv({ guestNode: 'pve2', guests: [{ vmid: 150, type: 'qemu', node: 'pve2' }] }),
      CTX,
      [RECLAIM, CHECK_PVE2('qm migrate --with-local-disks'), GATED_DROP],
    ],
    [
      'the same for a CT on a third node (an inactive LV)',
      lv({
        kind: 'lv',
        active: false,
        reason: 'inactive-leftover',
        guestType: 'lxc',
        guestNode: 'pve2',
        guests: [
          { vmid: 150, type: 'lxc', node: 'pve1' },
          { vmid: 150, type: 'lxc', node: 'pve2' },
        ],
      }),
      CTX,
      [RECLAIM, CHECK_PVE2('pct migrate'), GATED_DROP],
    ],
    [
      'guest-on-other-node on a storage not shared: neither a rescan nor a drop',
      lv({ reason: 'guest-on-other-node', guestNode: 'pve2' }),
      CTX,
      undefined,
    ],
    [
      'its guest lives on another node, shared storage: rescan there, never a drop',
      lv({ reason: 'guest-on-other-node', guestNode: 'pve2', storage: 'san', volume: 'san:vm-150-disk-0' }),
      CTX,
      [ATTACH(RESCAN_QM, 'pve2')],
    ],
    [
      'shared storage, guest here: rescan, never a drop (another node may use it)',
      lv({ storage: 'san', volume: 'san:vm-150-disk-0' }),
      CTX,
      [ATTACH(RESCAN_QM)],
    ],
    // A storage of that name that storage.cfg does not call shared.
    [
      'a storage not in the shared list',
      lv({ storage: 'san2', volume: 'san2:vm-150-disk-0' }),
      CTX,
      [ATTACH(RESCAN_QM), ...reclaimOrDrop('san2:vm-150-disk-0')],
    ],
    ['an LV of no storage: no volume ID to drop', lv({ storage: null, volume: null }), CTX, [ATTACH(RESCAN_QM)]],
    ['some config names it (the cluster)', lv(), { ...CTX, referenced: ['pve/vm-150-disk-0'] }, undefined],
    [
      'another VG/LV is named, not this one',
      lv(),
      { ...CTX, referenced: ['pve2/vm-150-disk-0'] },
      [ATTACH(RESCAN_QM), RECLAIM, DROP],
    ],
    ['some config names it (the analysis)', lv({ referencedBy: 'VM 151' }), CTX, undefined],
    [
      'protected (open): attach, never a drop',
      lv({ protected: true, protectedBy: ['open'] }),
      CTX,
      [ATTACH(RESCAN_QM)],
    ],
    // qemu-server update_disk_config skips `vm-$vmid-state-` by name; pve-container's rescan skips nothing.
    [
      "a VM's RAM state LV (a snapshot that never committed): no rescan, it would not be adopted",
      lv({ lv: 'vm-150-state-crashed', volume: 'local-lvm:vm-150-state-crashed' }),
      CTX,
      [...reclaimOrDrop('local-lvm:vm-150-state-crashed')],
    ],
    [
      'the same RAM state LV, its guest gone: no "create it again"',
      lv({
        lv: 'vm-150-state-crashed',
        volume: 'local-lvm:vm-150-state-crashed',
        reason: 'guest-missing',
        guestNode: null,
      }),
      CTX,
      [...reclaimOrDrop('local-lvm:vm-150-state-crashed')],
    ],
    [
      "a RAM state LV of another VMID's name: still this guest's rescan",
      lv({ lv: 'vm-1500-state-x', volume: 'local-lvm:vm-1500-state-x' }),
      CTX,
      [ATTACH(RESCAN_QM), ...reclaimOrDrop('local-lvm:vm-1500-state-x')],
    ],
    [
      "a CT's LV of that name: pct rescan adopts it",
      lv({ lv: 'vm-150-state-x', volume: 'local-lvm:vm-150-state-x', guestType: 'lxc' }),
      CTX,
      [ATTACH(RESCAN_CT), ...reclaimOrDrop('local-lvm:vm-150-state-x')],
    ],
    [
      'no VMID in its name: no rescan',
      lv({ vmid: null, lv: 'data-copy', volume: 'local-lvm:data-copy' }),
      CTX,
      undefined,
    ],
    [
      'a base image of a template',
      lv({ lv: 'base-150-disk-0', volume: 'local-lvm:base-150-disk-0' }),
      CTX,
      [ATTACH(RESCAN_QM), ...reclaimOrDrop('local-lvm:base-150-disk-0')],
    ],
    // pve-storage names volumes vm-<vmid>-… / base-<vmid>-…: any other LV is not a PVE volume to free.
    [
      'a name PVE did not give',
      lv({ lv: 'myvm-150-disk-0', volume: 'local-lvm:myvm-150-disk-0' }),
      CTX,
      [ATTACH(RESCAN_QM)],
    ],
    [
      'a name with vm- inside',
      lv({ lv: 'old-vm-150-disk-0', volume: 'local-lvm:old-vm-150-disk-0' }),
      CTX,
      [ATTACH(RESCAN_QM)],
    ],
    // PVE 9 volume chains: a qcow2 LV may be the backing file of the current volume.
    [
      'a volume-chain member (qcow2 name)',
      lv({ lv: 'vm-150-disk-0.qcow2', volume: 'local-lvm:vm-150-disk-0.qcow2' }),
      CTX,
      [ATTACH(RESCAN_QM)],
    ],
    ['a volume-chain member (listed)', lv(), { ...CTX, chainMembers: ['pve/vm-150-disk-0'] }, [ATTACH(RESCAN_QM)]],
    [
      'another chain member listed',
      lv(),
      { ...CTX, chainMembers: ['pve/vm-150-disk-1'] },
      [ATTACH(RESCAN_QM), RECLAIM, DROP],
    ],
    // Only the qcow2 suffix marks a chain member: not a name that has it inside or an `_qcow2` ending.
    [
      'a name with .qcow2 inside, not at its end',
      lv({ lv: 'vm-150-disk-0.qcow2.old', volume: 'local-lvm:vm-150-disk-0.qcow2.old' }),
      CTX,
      [ATTACH(RESCAN_QM), ...reclaimOrDrop('local-lvm:vm-150-disk-0.qcow2.old')],
    ],
    [
      'a name ending in _qcow2',
      lv({ lv: 'vm-150-disk-0_qcow2', volume: 'local-lvm:vm-150-disk-0_qcow2' }),
      CTX,
      [ATTACH(RESCAN_QM), ...reclaimOrDrop('local-lvm:vm-150-disk-0_qcow2')],
    ],
    // The shared storage is seen from every node: the rescan works here; no node to name when none is known.
    [
      "shared storage, the guest's node not known",
      lv({ storage: 'san', volume: 'san:vm-150-disk-0', guestNode: undefined }),
      CTX,
      [ATTACH(RESCAN_QM)],
    ],
    // A reason reclaim does not take (reclaim-scope.ts RECLAIMABLE): no reclaim step before the drop.
    [
      'an LV orphan of a reason reclaim does not take',
      lv({ kind: 'lv', reason: 'lv-missing' }),
      CTX,
      [ATTACH(RESCAN_QM), DROP],
    ],
    ['no node known: the guest is not here', lv({ guestNode: 'pve1' }), { sharedStorages: ['san'] }, [RECLAIM, DROP]],
  ];
  for (const [what, e, ctx, want] of cases) {
    it(what, () => {
      assert.deepEqual(adviceFor(e, ctx), want);
      assert.equal(hintFor(e, ctx) === undefined, want === undefined);
    });
  }

  it('the sentence of the steps: each command shell-quoted at the end of its clause', () => {
    assert.equal(
      hintFor(lv({ volume: "local-lvm:vm-150-disk-0 x'y" }), CTX),
      "data kept; to keep it, attach it to guest 150: qm disk rescan --vmid 150; to set it aside reversibly (quarantine; pve-health restore brings it back): pve-health reclaim --name 'local-lvm:vm-150-disk-0 x'\\''y'; or drop it now (irreversible: deletes the data): pvesm free 'local-lvm:vm-150-disk-0 x'\\''y'",
    );
  });
});

describe('adviceFor: what gets no advice', () => {
  const cases: [string, DmEntry][] = [
    ['no VG', lv({ vg: null })],
    ['no LV', lv({ lv: null })],
    ['a map of no LV reason (stale map)', lv({ status: 'duplicate', reason: 'stale-map' })],
    ['a map whose LV is missing', lv({ reason: 'lv-missing' })],
    ['an inactive LV that is valid', lv({ kind: 'lv', active: false, status: 'valid', reason: 'referenced' })],
    [
      'an inactive LV that is unknown',
      lv({ kind: 'lv', active: false, status: 'unknown', reason: 'inactive-leftover' }),
    ],
    // kpartx maps carry the UUID part<N>-<parent uuid>: their fix is their own map removal.
    ['a kpartx partition map', lv({ uuid: `part1-LVM-${'a'.repeat(64)}`, name: 'pve-vm--150--disk--0p1' })],
    [
      'a kpartx partition map of a disk with ten or more partitions',
      lv({ uuid: `part12-LVM-${'a'.repeat(64)}`, name: 'pve-vm--150--disk--0p12' }),
    ],
  ];
  for (const [what, e] of cases) it(what, () => assert.equal(adviceFor(e, CTX), undefined));
  it('an inactive orphan LV gets advice, and a map with an LV reason does', () => {
    assert.ok(adviceFor(lv({ kind: 'lv', active: false, reason: 'guest-missing' }), CTX), 'an inactive orphan LV');
    assert.ok(adviceFor(lv({ uuid: 'LVM-part1-x' }), CTX), 'part<N>- only at the start');
  });
});

describe('adviceFor: words (and at most an unlock) where a step could harm', () => {
  const cases: [string, DmEntry, PlanContext, NextStep[]][] = [
    [
      'pending: an operation under way, named without the protections',
      lv({ pending: true, protected: true, protectedBy: ['guest-running', 'open', 'task:qmmove', 'lock:migrate'] }),
      CTX,
      [otherStep('no fix now: a PVE operation is under way (task:qmmove, lock:migrate); look again when it has ended')],
    ],
    [
      'pending with no operation named',
      lv({ pending: true, protected: true, protectedBy: ['open'] }),
      CTX,
      [otherStep('no fix now: a PVE operation is under way (pending); look again when it has ended')],
    ],
    [
      'a lock an interrupted restore left (VM)',
      lv({ protected: true, protectedBy: ['stale-lock:create'] }),
      CTX,
      [
        otherStep(
          'no fix while guest 150 is locked (create) and no task runs: an interrupted operation left the lock (data kept); check its task log, unlock it and look again',
          ['qm', 'unlock', '150'],
        ),
      ],
    ],
    [
      'a lock an interrupted operation left (CT)',
      lv({ guestType: 'lxc', protected: true, protectedBy: ['open', 'stale-lock:backup'] }),
      CTX,
      [
        otherStep(
          'no fix while guest 150 is locked (backup) and no task runs: an interrupted operation left the lock (data kept); check its task log, unlock it and look again',
          ['pct', 'unlock', '150'],
        ),
      ],
    ],
    [
      'a snapshot LV no section names',
      lv({ lv: 'snap_vm-150-disk-0_before', reason: 'snapshot-missing' }),
      CTX,
      [otherStep('data kept; no snapshot of the guest uses this LV any more')],
    ],
    [
      'a snapshot LV of a volume chain (qcow2 name)',
      lv({ lv: 'snap_vm-150-disk-0_before.qcow2', reason: 'snapshot-missing' }),
      CTX,
      [
        otherStep(
          "data kept; it may still be a backing file of the guest's current volume: check the backing chain of the guest's disk first (qemu-img info --backing-chain on it)",
        ),
      ],
    ],
    [
      'a snapshot LV of a volume chain (listed)',
      lv({ lv: 'snap_vm-150-disk-0_before', reason: 'snapshot-missing' }),
      { ...CTX, chainMembers: ['pve/snap_vm-150-disk-0_before'] },
      [
        otherStep(
          "data kept; it may still be a backing file of the guest's current volume: check the backing chain of the guest's disk first (qemu-img info --backing-chain on it)",
        ),
      ],
    ],
    [
      'a snapshot LV with .qcow2 inside its name, not at its end',
      lv({ lv: 'snap_vm-150-disk-0_a.qcow2.old', reason: 'snapshot-missing' }),
      CTX,
      [otherStep('data kept; no snapshot of the guest uses this LV any more')],
    ],
    [
      'a saferemove leftover on local storage',
      lv({ kind: 'lv', active: false, lv: 'del-vm-150-disk-0', reason: 'saferemove-leftover' }),
      CTX,
      [otherStep('an interrupted removal; PVE no longer lists it as a volume of any guest')],
    ],
    // LVMPlugin free_image: saferemove renames to del-… and zeroes it in a worker of the node that freed it.
    [
      'a saferemove leftover on shared storage: another node may still be zeroing it',
      lv({ kind: 'lv', active: false, lv: 'del-vm-150-disk-0', reason: 'saferemove-leftover', storage: 'san' }),
      CTX,
      [
        otherStep(
          'PVE no longer lists it as a volume of any guest; on shared storage another node may still be zeroing it: check its imgdel task first',
        ),
      ],
    ],
    [
      'a saferemove leftover of no storage',
      lv({ kind: 'lv', active: false, lv: 'del-vm-150-disk-0', reason: 'saferemove-leftover', storage: null }),
      CTX,
      [otherStep('an interrupted removal; PVE no longer lists it as a volume of any guest')],
    ],
  ];
  for (const [what, e, ctx, want] of cases) {
    it(what, () => {
      const got = adviceFor(e, ctx);
      assert.deepEqual(got, want);
      for (const s of got ?? []) assert.equal(s.irreversible, false);
    });
  }

  it('a stale lock of a volume without a VMID: no unlock to name, the rest of the advice', () => {
    const e = lv({ vmid: null, protected: true, protectedBy: ['stale-lock:create'] });
    assert.deepEqual(adviceFor(e, CTX), undefined);
  });
});
