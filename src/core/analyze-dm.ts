// Snapshot → DmResult: parse what was gathered, classify every DM device and every LV of every PVE
// LVM storage, resolve layers and partitions, find same-target copies, set pending/protected, grade.

import { type ClassifyContext, classifyDevice, classifyVolume } from './classify-dm';
import { nextVmids } from './cluster';
import { buildDevices, buildLvmView, type DmDevice } from './dm-devices';
import { buildDmName } from './dm-name';
import { buildReferenceIndex, type GuestRecord } from './dm-references';
import { CheckError } from './errors';
import { gradeOf, scoreOf } from './grade';
import { dmDepsOf, dmInfoOf, dmTablesOf, lvsOf, vgsOf } from './parsed';
import { type PveState, readPveState } from './pve-state';
import { COMMAND_KEYS, type CommandOutput, type HostSnapshot } from './snapshot';
import type { DmEntry, DmResult, GuestHealth, Status } from './types';
import { computeVmidReuse, nextDiskCollision } from './vmid-reuse';

type Verdict = ReturnType<typeof classifyVolume>;

/** Hook to fill `entry.action` (the cleanup planner's least destructive fix). */
export type ActionFor = (entry: DmEntry) => DmEntry['action'];

function commandFailure(c: CommandOutput | undefined): string | null {
  if (!c) return 'not run';
  if (c.error === 'not-found') return `${c.argv[0]}: command not found`;
  if (c.error === 'timeout') return `${c.argv.join(' ')} timed out`;
  if (c.error || c.code !== 0)
    return `${c.argv[0]} exited ${c.code}: ${(c.stderr.trim().split('\n').pop() ?? '').trim()}`;
  return null;
}

export function analyzeDm(snap: HostSnapshot, opts: { actionFor?: ActionFor } = {}): DmResult {
  const pve = readPveState(snap);
  const warnings = [...pve.warnings];
  const info = snap.commands[COMMAND_KEYS.dmInfo];
  const infoFail = commandFailure(info);
  if (infoFail) throw new CheckError(`cannot list device-mapper devices: ${infoFail}`);
  const infos = dmInfoOf(snap);
  const tableOut = snap.commands[COMMAND_KEYS.dmTable];
  const depsOut = snap.commands[COMMAND_KEYS.dmDeps];
  for (const [what, c] of [
    ['dmsetup table', tableOut],
    ['dmsetup deps', depsOut],
  ] as const) {
    const fail = commandFailure(c);
    if (fail) throw new CheckError(`${what} failed: ${fail}`);
  }
  const tables = dmTablesOf(snap);
  const deps = dmDepsOf(snap);

  const lvsOut = snap.commands[COMMAND_KEYS.lvs];
  let lvsError = commandFailure(lvsOut);
  let lvs = null;
  if (!lvsError) {
    try {
      lvs = lvsOf(snap);
    } catch (e) {
      lvsError = `unreadable lvs output: ${(e as Error).message}`;
    }
  }
  // lvs prints these for a VG with a missing PV, and may still exit 0.
  if (lvsOut && /Couldn't find device with uuid|WARNING: VG \S+ is missing PV/i.test(lvsOut.stderr)) {
    warnings.push(`lvs: ${lvsOut.stderr.trim().split('\n')[0]}`);
  }
  const vgsOut = snap.commands[COMMAND_KEYS.vgs];
  const vgs = !commandFailure(vgsOut) ? safe(() => vgsOf(snap)) : null;
  if (lvsError) warnings.push(`LVM view incomplete: ${lvsError}`);

  const lvm = buildLvmView(lvs, vgs);
  const devices = buildDevices(infos, tables, deps, lvm, snap.processes);
  const ctx: ClassifyContext = {
    node: pve.node,
    lvm,
    lvsError,
    storages: pve.lvmStorages,
    guests: pve.guests,
    refs: buildReferenceIndex([...pve.guests.values()], pve.lvmStorages),
    tasks: pve.tasks,
    ha: pve.ha,
    running: pve.running,
    kvmAlive: pve.kvmAlive,
  };

  const entries = classifyAll(ctx, devices);
  const pvmoveVgs = new Set((lvs ?? []).filter((l) => l.movePv !== '' || l.attr[0] === 'p').map((l) => l.vg));
  for (const e of entries) applyFlags(ctx, pve, e, lvm, pvmoveVgs);

  // VMID reuse, and the blocking maps of existing guests' next disks.
  const lvNamesByVg = new Map<string, string[]>();
  for (const lv of lvs ?? []) {
    const list = lvNamesByVg.get(lv.vg) ?? [];
    list.push(lv.name);
    lvNamesByVg.set(lv.vg, list);
  }
  const nodeStorages = pve.lvmStorages.filter((s) => !s.disabled && (s.nodes === null || s.nodes.includes(pve.node)));
  const storageById = new Map(nodeStorages.map((s) => [s.id, s]));
  for (const e of entries) {
    const c = nextDiskCollision(e, e.storage ? storageById.get(e.storage) : undefined, lvNamesByVg);
    if (c) e.detail += `; ${c}`;
  }
  const used = new Set(pve.guests.keys());
  const vmidReuse = computeVmidReuse({
    entries,
    storages: nodeStorages,
    lvNamesByVg,
    usedVmids: used,
    nextIds: nextVmids(used, pve.nextIdRange, 4),
  });

  for (const e of entries) e.action = opts.actionFor ? opts.actionFor(e) : null;
  return {
    summary: summarize(entries),
    entries,
    guests: guestHealth(pve, entries),
    vmidReuse,
    warnings,
    status: statusOf(entries),
  };
}

function safe<T>(fn: () => T): T | null {
  try {
    return fn();
  } catch {
    return null;
  }
}

function entryOf(d: DmDevice, v: Verdict, extra: Partial<DmEntry> = {}): DmEntry {
  const id = d.identity;
  const lv = id.kind === 'lv' || id.kind === 'renamed' ? id.lv : null;
  return {
    name: d.info.name,
    uuid: d.info.uuid,
    vg: d.split?.vg ?? (id.kind === 'layer' ? id.vg : null),
    lv: d.split?.lv ?? null,
    layer: d.split?.layer || null,
    storage: v.storage,
    vmid: v.vmid,
    volume: v.volume,
    active: true,
    status: v.status,
    reason: v.reason,
    detail: v.detail,
    protected: false,
    pending: false,
    protectedBy: [],
    open: d.info.open > 0 || d.holders.length > 0 || d.processes.length > 0,
    openCount: d.info.open,
    holders: d.holders,
    processes: d.processes,
    parent: null,
    action: null,
    sizeBytes: d.sizeBytes,
    kind: 'dm',
    majorMinor: d.devno,
    table: d.segments.map((s) => `${s.start} ${s.length} ${s.target}${s.params ? ` ${s.params}` : ''}`),
    lvUuid: lv ? lv.uuid : null,
    guestType: v.guestType,
    guestNode: v.guestNode,
    ...extra,
  };
}

function classifyAll(ctx: ClassifyContext, devices: DmDevice[]): DmEntry[] {
  const byName = new Map<string, DmEntry>();
  const covered = new Set<string>();
  const topVerdicts = new Map<string, Verdict>();
  const topOf = (vg: string, top: string): Verdict => {
    const k = `${vg}/${top}`;
    let v = topVerdicts.get(k);
    if (!v) {
      v = classifyVolume(ctx, vg, top, ctx.lvm.byName.get(k) ?? null, true);
      topVerdicts.set(k, v);
    }
    return v;
  };
  // 1. Devices that are an LV or stand on their own.
  for (const d of devices) {
    const id = d.identity;
    if (id.kind === 'layer' || id.kind === 'partition') continue;
    const v = classifyDevice(ctx, d);
    if (id.kind === 'lv') {
      covered.add(`${id.lv.vg}/${id.lv.name}`);
      topVerdicts.set(`${id.lv.vg}/${id.lv.name}`, v);
    }
    byName.set(d.info.name, entryOf(d, v));
  }
  // 2. Layers inherit their top LV's status; thin-pool parts are never guest volumes.
  for (const d of devices) {
    const id = d.identity;
    if (id.kind !== 'layer') continue;
    covered.add(`${id.vg}/${id.top}`);
    const topName = buildDmName(id.vg, id.top);
    if (id.thinPool) {
      const v: Verdict = {
        status: 'ignored',
        reason: 'thin-pool-layer',
        detail: `${layerWords(id.layer)} of thin pool ${id.vg}/${id.top} (UUID suffix -${id.layer})`,
        storage: null,
        vmid: null,
        volume: null,
        guestNode: null,
        guestType: null,
      };
      byName.set(d.info.name, entryOf(d, v, { parent: d.info.name === topName ? null : topName, layer: id.layer }));
      continue;
    }
    const top = topOf(id.vg, id.top);
    const v: Verdict =
      top.status === 'ignored'
        ? { ...top, reason: top.reason }
        : { ...top, detail: `${id.layer} layer of ${id.vg}/${id.top}: ${top.detail}` };
    byName.set(d.info.name, entryOf(d, v, { parent: topName, layer: id.layer, vg: id.vg, lv: id.top }));
  }
  // 3. kpartx partitions follow their parent.
  for (const d of devices) {
    const id = d.identity;
    if (id.kind !== 'partition') continue;
    const parent = id.parent ? byName.get(id.parent) : undefined;
    let v: Verdict;
    if (!parent)
      v = {
        status: 'ignored',
        reason: 'partition',
        detail: `kpartx partition ${id.partition} of a device that is not a map here`,
        storage: null,
        vmid: null,
        volume: null,
        guestNode: null,
        guestType: null,
      };
    else if (parent.status === 'valid' || parent.status === 'ignored') {
      v = {
        status: 'ignored',
        reason: parent.status === 'valid' ? 'partition-of-valid' : 'partition',
        detail: `kpartx partition ${id.partition} of ${parent.name} (UUID part${id.partition}-...)`,
        storage: parent.storage,
        vmid: parent.vmid,
        volume: parent.volume,
        guestNode: parent.guestNode ?? null,
        guestType: parent.guestType ?? null,
      };
    } else {
      v = {
        status: parent.status,
        reason: parent.reason,
        detail: `kpartx partition ${id.partition} of ${parent.name}, which is ${parent.status} (${parent.reason}): remove it before its parent`,
        storage: parent.storage,
        vmid: parent.vmid,
        volume: parent.volume,
        guestNode: parent.guestNode ?? null,
        guestType: parent.guestType ?? null,
      };
    }
    byName.set(
      d.info.name,
      entryOf(d, v, { parent: id.parent, vg: parent?.vg ?? null, lv: parent?.lv ?? null, layer: null }),
    );
  }
  markSameTarget(devices, byName);
  const entries = devices.map((d) => byName.get(d.info.name)!);
  // 4. LVs of PVE storages without a map of their own (thick LVM and PVE 9 leave most leftovers inactive).
  const pveVgs = new Set(ctx.storages.map((s) => s.vg));
  for (const lv of ctx.lvm.lvs ?? []) {
    const k = `${lv.vg}/${lv.name}`;
    if (lv.hidden || covered.has(k) || !pveVgs.has(lv.vg) || lv.segtype === 'thin-pool') continue;
    const v = topVerdicts.get(k) ?? classifyVolume(ctx, lv.vg, lv.name, lv, false);
    const name = buildDmName(lv.vg, lv.name);
    entries.push({
      ...entryOf(
        {
          info: {
            name,
            uuid: '',
            kname: '',
            major: 0,
            minor: 0,
            live: false,
            inactive: false,
            suspended: false,
            readonly: false,
            open: 0,
            segments: 0,
            events: 0,
          },
          segments: [],
          uuid: { kind: 'none', prefix: '' },
          split: { vg: lv.vg, lv: lv.name, layer: '' },
          devno: '',
          deps: [],
          holders: [],
          processes: [],
          identity: { kind: 'lv', lv },
          sizeBytes: 0,
          targetKey: null,
        },
        v,
      ),
      active: false,
      kind: 'lv',
      sizeBytes: lv.sizeBytes,
      majorMinor: undefined,
      table: undefined,
      lvUuid: lv.uuid,
    });
  }
  return entries;
}

function layerWords(layer: string): string {
  return (
    (
      {
        tmeta: 'metadata sub-LV',
        tdata: 'data sub-LV',
        tpool: 'thin-pool target layer',
        pool: 'read-only wrapper',
      } as Record<string, string>
    )[layer] ?? `${layer} layer`
  );
}

/** Maps over the same thin device or the same extents: keep the one whose name and UUID match lvs. */
function markSameTarget(devices: DmDevice[], byName: Map<string, DmEntry>): void {
  const groups = new Map<string, DmDevice[]>();
  for (const d of devices) {
    if (!d.targetKey || d.identity.kind === 'layer' || d.identity.kind === 'partition') continue;
    const g = groups.get(d.targetKey);
    if (g) g.push(d);
    else groups.set(d.targetKey, [d]);
  }
  for (const g of groups.values()) {
    if (g.length < 2) continue;
    const keeper = g.find((d) => d.identity.kind === 'lv');
    if (!keeper) continue;
    for (const d of g) {
      if (d === keeper) continue;
      const e = byName.get(d.info.name)!;
      const k = byName.get(keeper.info.name)!;
      e.status = 'duplicate';
      e.reason = 'same-target';
      e.detail = `maps the same ${d.segments[0].target === 'thin' ? `thin device (pool ${d.segments[0].params.split(' ').join(', id ')})` : 'extents'} as ${keeper.info.name}, the map LVM knows: two maps of one disk risk corruption`;
      if (e.vmid === null) {
        e.vmid = k.vmid;
        e.storage = k.storage;
        e.volume = k.volume;
        e.guestType = k.guestType;
        e.guestNode = k.guestNode;
      }
    }
  }
}

const MULTI_GUEST_TASKS = new Set(['vzdump', 'migrateall', 'startall', 'stopall', 'suspendall']);

function applyFlags(
  ctx: ClassifyContext,
  pve: PveState,
  e: DmEntry,
  lvm: ReturnType<typeof buildLvmView>,
  pvmoveVgs: Set<string>,
): void {
  const pendingBy = new Set<string>();
  const protectedBy = new Set<string>();
  const isDel = e.reason === 'saferemove-in-progress' || e.reason === 'saferemove-leftover';
  if (e.vmid !== null) {
    const id = String(e.vmid);
    for (const t of ctx.tasks) {
      if (isDel ? t.type === 'imgdel' : t.id === id || (t.id === '' && MULTI_GUEST_TASKS.has(t.type)))
        pendingBy.add(`task:${t.type}`);
    }
    const owner: GuestRecord | undefined = ctx.guests.get(e.vmid);
    if (!isDel && owner?.config?.lock) pendingBy.add('lock');
    for (const h of ctx.ha) {
      if (
        h.vmid === e.vmid &&
        ['migrate', 'relocate', 'recovery'].includes(h.state) &&
        (h.target === pve.node || h.node === pve.node)
      )
        pendingBy.add(`ha:${h.state}`);
    }
    if (!isDel && ctx.kvmAlive.has(e.vmid) && owner?.node !== pve.node) pendingBy.add('kvm-process');
    if (!isDel && ctx.running.has(e.vmid) && owner?.node === pve.node) protectedBy.add('guest-running');
  }
  if (isDel && pendingBy.size > 0) protectedBy.add('del-lv');
  if (e.open) protectedBy.add('open');
  if (e.vg) {
    const vg = lvm.vgByName.get(e.vg);
    if (vg?.partial) protectedBy.add('vg-partial');
    if (vg?.lockType) protectedBy.add('lvmlockd');
    if (pvmoveVgs.has(e.vg)) protectedBy.add('pvmove');
  }
  for (const p of pendingBy) protectedBy.add(p);
  e.pending = pendingBy.size > 0;
  e.protected = protectedBy.size > 0;
  e.protectedBy = [...protectedBy].sort();
}

function summarize(entries: DmEntry[]): DmResult['summary'] {
  const counted = entries.filter((e) => !e.pending);
  const dup = counted.filter((e) => e.status === 'duplicate' && !e.parent).length;
  const orph = counted.filter((e) => e.status === 'orphan' && !e.parent).length;
  const n = (s: string) => entries.filter((e) => e.status === s).length;
  return {
    total: entries.length,
    valid: n('valid'),
    duplicate: n('duplicate'),
    orphan: n('orphan'),
    unknown: n('unknown'),
    ignored: n('ignored'),
    protected: entries.filter((e) => e.protected).length,
    pending: entries.filter((e) => e.pending).length,
    open: entries.filter((e) => e.open).length,
    score: scoreOf(dup, orph),
    grade: gradeOf(dup, orph),
  };
}

/** 2: duplicates, or a shared LV open here while its guest lives elsewhere; 3: unknown; 1: orphans. */
export function statusOf(entries: DmEntry[]): Status {
  const live = entries.filter((e) => !e.pending);
  if (
    live.some(
      (e) => e.status === 'duplicate' || (e.reason === 'guest-on-other-node' && e.open && e.status === 'orphan'),
    )
  )
    return 2;
  if (live.some((e) => e.status === 'unknown')) return 3;
  if (live.some((e) => e.status === 'orphan')) return 1;
  return 0;
}

function guestHealth(pve: PveState, entries: DmEntry[]): GuestHealth[] {
  const out: GuestHealth[] = [];
  const byVmid = new Map<number, DmEntry[]>();
  for (const e of entries) {
    if (e.vmid === null) continue;
    const l = byVmid.get(e.vmid) ?? [];
    l.push(e);
    byVmid.set(e.vmid, l);
  }
  const ids = new Set<number>([...byVmid.keys()]);
  for (const g of pve.guests.values()) if (g.node === pve.node) ids.add(g.vmid);
  for (const vmid of [...ids].sort((a, b) => a - b)) {
    const g = pve.guests.get(vmid);
    const es = (byVmid.get(vmid) ?? []).filter((e) => !e.parent);
    const issues = es.filter((e) => e.status === 'orphan' || e.status === 'duplicate' || e.status === 'unknown');
    const health = es.some((e) => e.status === 'duplicate')
      ? 'duplicates'
      : es.some((e) => e.status === 'orphan')
        ? 'orphans'
        : es.some((e) => e.status === 'unknown')
          ? 'unknown'
          : 'ok';
    out.push({
      vmid,
      type: g?.type === 'lxc' ? 'lxc' : 'qemu',
      name: g?.config?.name ?? (g ? (g.type === 'lxc' ? `CT ${vmid}` : `VM ${vmid}`) : '(no config)'),
      node: g?.node ?? '-',
      status: !g ? 'missing' : g.node !== pve.node ? 'unknown' : pve.running.has(vmid) ? 'running' : 'stopped',
      health,
      issues: issues.length,
      volumes: es.filter((e) => e.status !== 'ignored').length,
      lock: g?.config?.lock ?? null,
      template: g?.config?.template ?? false,
    });
  }
  return out;
}
