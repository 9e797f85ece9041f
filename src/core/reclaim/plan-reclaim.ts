// The reclaim planner (issue: reclaim): which guest volumes are quarantined, how (reclaim-steps.ts),
// which are refused and why (reclaim-rules.ts), and which are in quarantine already. Pure: the DM and
// volumes parts' verdicts, storage.cfg, the LV list and the node's preconditions in; `now` passed in.

import { isPartition, type PlanFilter } from '../cleanup/plan-cleanup';
import type { LvRow } from '../parse/parse-lvm';
import type { StorageConfig } from '../parse/storage-config';
import { compareText } from '../text/compare-text';
import { shellQuote } from '../text/shell-quote';
import { sizeFigures } from '../text/size-figures';
import type { NextStep } from '../vocab/next-step';
import { type NamedElsewhere, otherCopyCommand } from '../vocab/only-copy';
import { purgeAfter } from '../vocab/quarantine-name';
import type { DmEntry } from '../vocab/types';
import { volumeSubject } from '../vocab/volume-subject';
import type { VolumeEntry, VolumesResult } from '../vocab/volume-types';
import { namesUnlisted, quarantinedNamed } from './names-unlisted';
import { withQuarantineProof } from './quarantine-proof';
import {
  quarantinedLvs,
  quarantinedVolumes,
  withAdoptedNames,
  withNamedElsewhere,
  withRecordedSizes,
} from './quarantined';
import { type Candidate, type RuleContext, refusalOf } from './reclaim-rules';
import { type HostCommands, quarantineOf } from './reclaim-steps';
import type { QuarantineRecord, ReclaimAction, ReclaimPlan, ReclaimRefusal } from './reclaim-types';
import { trashNamedByVolid } from './trash-names';

export type { PlanFilter };

export interface ReclaimInput {
  node: string;
  now: Date;
  retentionDays: number;
  storages: StorageConfig[];
  /** The DM part's entries (null: it could not be checked; its LVs are then not planned). */
  dm: DmEntry[] | null;
  lvs: LvRow[] | null;
  volumes: VolumesResult | null;
  /** Node-level refusals (checkSafety's messages). */
  nodeRefusals: string[];
  /** Volume IDs a guest config of another node names (only-copy.ts volidsNamedElsewhere): never purged here. */
  namedElsewhere: ReadonlyMap<string, NamedElsewhere>;
  commands: HostCommands;
  /**
   * What the reclaim and restore journals of this node recorded of each quarantine (its size where the
   * listing has none; the proof that pve-health put it there: quarantine-proof.ts). Absent only for an
   * offline preview (--demo, --from), which has no journals: what is in quarantine is then shown unproven.
   */
  recorded?: QuarantineRecord[];
}

/** A DM entry of a top-level LV of a PVE storage as a candidate (maps without an LV are clean's). */
function fromDm(e: DmEntry): Candidate | null {
  if (e.kind === 'dm' && (e.layer !== null || isPartition(e))) return null;
  if (!e.vg || !e.lv || e.storage === null || e.layer !== null) return null;
  return {
    volid: e.volume ?? `${e.storage}:${e.lv}`,
    storage: e.storage,
    type: null,
    vmid: e.vmid,
    status: e.status,
    reason: e.reason,
    detail: e.detail,
    pending: e.pending,
    protected: e.protected,
    protectedBy: e.protectedBy,
    references: e.referencedBy ? [e.referencedBy] : undefined,
    sizeBytes: e.sizeBytes,
    usedBytes: null,
    guestType: e.guestType ?? null,
    format: 'raw',
    lvm: { vg: e.vg, lv: e.lv, lvUuid: e.lvUuid ?? null, active: e.kind === 'dm' },
    aliases: [e.name, `${e.vg}/${e.lv}`, e.lv],
    ...keepOf(e),
  };
}

function fromVolume(e: VolumeEntry): Candidate {
  return {
    volid: e.volid,
    storage: e.storage,
    type: e.type,
    vmid: e.vmid,
    status: e.status,
    reason: e.reason,
    detail: e.detail,
    pending: e.pending,
    protected: e.protected,
    protectedBy: e.protectedBy,
    replica: e.replica,
    references: e.references,
    snapshot: e.snapshot,
    // A snapshot's entry carries its volume's size; its own figure is what it uses (size-figures.ts).
    sizeBytes: sizeFigures(e).provisionedBytes,
    usedBytes: e.usedBytes,
    guestType: null,
    format: e.format,
    ...(e.trash ? { trash: e.trash } : {}),
    ...(e.namedBySection ? { namedBySection: e.namedBySection } : {}),
    ...(e.identity ? { identity: e.identity } : {}),
    aliases: e.snapshot ? [`${e.volid}@${e.snapshot}`] : [],
    ...keepOf(e),
  };
}

/** The entry's keep step (its command), carried to a refusal's line (issue 60: refusals had no next step). */
function keepOf(e: { steps?: NextStep[] }): Pick<Candidate, 'keep'> {
  const k = e.steps?.find((s) => s.kind === 'keep' && s.command);
  return k?.command ? { keep: { text: k.text, command: k.command } } : {};
}

/**
 * Whether --all, --vmid, --reason and --name take the candidate. A name is its volume ID (a volume's
 * snapshots come with it, and are refused as moving with it) or an alias (LV, DM name, `VOLID@snap`).
 * A Ceph trash entry is named by its subject `VOLID#trash:<id>` (vocab/volume-subject.ts), and by its
 * volume ID only while that names it alone: once a live image or another entry has its name (nameTaken),
 * the volume ID names the live image, never an entry in the trash.
 */
export function matchesReclaimFilter(
  c: Pick<Candidate, 'volid' | 'vmid' | 'reason' | 'aliases' | 'trash'>,
  f: PlanFilter,
): boolean {
  if (f.all) return true;
  const any = Boolean(f.vmids?.length || f.reasons?.length || f.names?.length);
  if (!any) return false;
  if (f.vmids?.length && (c.vmid === null || !f.vmids.includes(c.vmid))) return false;
  if (f.reasons?.length && !f.reasons.includes(c.reason)) return false;
  const own = c.trash ? [volumeSubject(c), ...(c.trash.nameTaken ? [] : [c.volid])] : [c.volid];
  if (f.names?.length && !f.names.some((n) => own.includes(n) || c.aliases.includes(n))) return false;
  return true;
}

function ruleContext(input: ReclaimInput, candidates: Candidate[]): RuleContext {
  const snapshotsOf = new Map<string, Candidate[]>();
  const volumes = new Map<string, Candidate>();
  for (const c of candidates) {
    if (c.snapshot === undefined) {
      // A trash entry is no snapshot's volume: the live image of its name is (they share the volume ID).
      if (c.type !== null && !c.trash) volumes.set(c.volid, c);
      continue;
    }
    const l = snapshotsOf.get(c.volid);
    if (l) l.push(c);
    else snapshotsOf.set(c.volid, [c]);
  }
  const lvChildren = new Map<string, string[]>();
  const lvOrigin = new Map<string, string>();
  for (const l of input.lvs ?? []) {
    if (!l.origin) continue;
    lvOrigin.set(`${l.vg}/${l.name}`, l.origin);
    const k = `${l.vg}/${l.origin}`;
    lvChildren.set(k, [...(lvChildren.get(k) ?? []), l.name]);
  }
  const unavailable = new Map<string, string>();
  for (const s of input.volumes?.storages ?? [])
    if (s.status === 'unknown') unavailable.set(s.storage, s.error ?? 'unknown');
  return {
    node: input.node,
    nodeRefusals: input.nodeRefusals,
    storages: new Map(input.storages.map((s) => [s.id, s])),
    unavailable,
    volumes,
    snapshotsOf,
    lvChildren,
    lvOrigin,
  };
}

/** Findings worth a line when everything is asked for: orphans and what could not be decided. */
const isFinding = (c: Candidate) => c.status === 'orphan' || c.status === 'unknown';

/** What reclaim may plan or refuse: the DM part's LVs and the volumes part's entries, quarantined ones aside. */
function candidatesOf(input: Pick<ReclaimInput, 'dm' | 'volumes'>): Candidate[] {
  const candidates: Candidate[] = [];
  for (const e of input.dm ?? []) {
    const c = fromDm(e);
    if (c) candidates.push(c);
  }
  for (const e of input.volumes?.entries ?? []) if (e.reason !== 'quarantined') candidates.push(fromVolume(e));
  return candidates.sort((a, b) => compareText(a.volid, b.volid) || compareText(a.snapshot ?? '', b.snapshot ?? ''));
}

/** Whether a --name names a volume this look lists outside the quarantine (any verdict); the list read once. */
export function listedByName(input: Pick<ReclaimInput, 'dm' | 'volumes'>): (name: string) => boolean {
  const candidates = candidatesOf(input);
  return (name) => candidates.some((c) => matchesReclaimFilter(c, { names: [name] }));
}

export function planReclaim(input: ReclaimInput, filter: PlanFilter = { all: true }): ReclaimPlan {
  const candidates = candidatesOf(input);
  const ctx = ruleContext(input, candidates);
  const storages = ctx.storages;
  const actions: ReclaimAction[] = [];
  const refused: ReclaimRefusal[] = [];
  const seen = new Set<string>();
  for (const c of candidates) {
    if (!matchesReclaimFilter(c, filter) || (filter.all && !isFinding(c))) continue;
    // One line per subject: a DM entry and a volume entry of one LV are one; a trash entry and the live
    // image of its name are two.
    const subject = volumeSubject(c);
    if (seen.has(subject)) continue;
    seen.add(subject);
    const no = refusalOf(c, ctx);
    const st = c.storage ? storages.get(c.storage) : undefined;
    const named = c.trash ? { subject } : {};
    if (no || !st) {
      const r = no ?? { code: 'not-a-volume' as const, why: 'not on a PVE storage' };
      refused.push({
        ...named,
        volid: c.snapshot === undefined ? c.volid : `${c.volid}@${c.snapshot}`,
        storage: c.storage,
        vmid: c.vmid,
        status: c.status,
        reason: c.reason,
        ...r,
        ...(c.keep ? { next: c.keep } : {}),
      });
      continue;
    }
    const since = input.now.toISOString();
    const until = purgeAfter(since, input.retentionDays);
    const q = quarantineOf(c, st, { now: input.now, purgeAfter: until, commands: input.commands });
    actions.push({
      ...named,
      volid: c.snapshot === undefined ? c.volid : `${c.volid}@${c.snapshot}`,
      storage: st.id,
      storageType: st.type,
      shared: st.shared,
      vmid: c.vmid,
      guestType: c.guestType,
      status: c.status,
      reason: c.reason,
      why: c.detail,
      evidence: evidenceOf(c, st.shared ? undefined : input.namedElsewhere.get(c.volid)),
      sizeBytes: c.sizeBytes,
      usedBytes: c.usedBytes,
      ...q,
      since,
      purgeAfter: until,
      guestLocks: c.vmid !== null ? [{ vmid: c.vmid, type: c.guestType }] : [],
    });
  }
  refused.push(...trashNamedByVolid(candidates, filter.names ?? [], seen));
  const o = { now: input.now, retentionDays: input.retentionDays };
  const listed = withAdoptedNames(
    withRecordedSizes(
      [...quarantinedLvs(input.lvs ?? [], input.storages, o), ...quarantinedVolumes(input.volumes?.entries ?? [], o)],
      input.recorded ?? [],
    ),
    input.recorded ?? [],
  );
  const proven = input.recorded ? withQuarantineProof(listed, input.recorded, o) : listed;
  const quarantined = withNamedElsewhere(proven, input);
  const taken = (n: string) =>
    candidates.some((c) => matchesReclaimFilter(c, { names: [n] })) ||
    refused.some((r) => r.subject === n || r.volid === n);
  refused.push(...namesUnlisted(filter.names ?? [], { taken, quarantined: (n) => quarantinedNamed(quarantined, n) }));
  return { actions, refused, quarantined, retentionDays: input.retentionDays };
}

/**
 * The facts the orphan verdict rests on, in words (the analysis' own detail first). A local volume whose
 * volume ID a config of another node names (only-copy.ts) is never said to be named by no config: that
 * config is the doubt, and the purge waits for the look at that node.
 */
function evidenceOf(c: Candidate, named: NamedElsewhere | undefined): string[] {
  const out = [`${c.status} (${c.reason}): ${c.detail}`];
  if (c.trash) {
    out.push(`in the Ceph trash (entry ${c.trash.id}) by someone's rbd trash mv (source USER); no config names it`);
    out.push('restored under a name PVE does not list and moved back to the trash: the same image, its id kept');
    return out;
  }
  if (c.snapshot !== undefined) {
    out.push(
      'no config section of a guest that names its volume is this snapshot (every config was read and is whole)',
    );
    out.push('no running task, lock, HA move, live replication job, clone or krbd map is recorded for it');
    out.push("only the snapshot is renamed: its volume and the volume's other snapshots are not touched");
    return out;
  }
  out.push(
    named
      ? `no config of this node names it, but ${named.type === 'lxc' ? 'CT' : 'VM'} ${named.vmid}'s config on ${named.node} names this very volume ID (every config was read and is whole): reversible here; reclaim --purge refuses it, and before anything irreversible check that ${named.node} has ${c.volid}: ${shellQuote(otherCopyCommand(named.node, c.volid, named.vmid))}`
      : 'no guest config of the cluster names it (every config was read and is whole)',
  );
  out.push('no running task, lock, HA move or live process is recorded for its guest');
  if (c.lvm) out.push(`LV ${c.lvm.vg}/${c.lvm.lv} (LV UUID ${c.lvm.lvUuid}) is no origin of any other LV`);
  return out;
}
