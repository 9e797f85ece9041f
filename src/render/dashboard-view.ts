// What the dashboard shows, decided on the server: findings led by what an admin knows (the volume
// ID, the guest with its name and a link into the PVE GUI, the storage; the DM name is a detail),
// status words, sizes and capacity texts. The page only lays this out, so it never re-derives a status
// or formats a size of its own. Pure; the HTML report uses the same guest links.

import { isAckable } from '../core/findings/acks';
import { findingWord } from '../core/findings/finding-words';
import { type FindingStep, listFindings, mountSeverity, partErrors } from '../core/findings/findings';
import { guestRows } from '../core/findings/guest-rows';
import { overallOf } from '../core/findings/overall';
import { partOrder } from '../core/findings/summary';
import { formatBytes } from '../core/format-bytes';
import { type KnownGuests, knownGuests } from '../core/node/guest-index';
import { shellQuote } from '../core/shell-quote';
import { STATUS_WORD, worstStatus } from '../core/status';
import type { CheckDocument, DmEntry, MountEntry, NotifyFailures, Status } from '../core/types';
import { QUARANTINE_COMMANDS, quarantineHeading, quarantineLines } from './quarantine';

export interface ViewGuestRef {
  vmid: number;
  name: string | null;
  /** "VM" or "CT" when known. */
  type: 'VM' | 'CT' | null;
  node: string | null;
  /** The PVE GUI's location hash for the guest ("#v1:0:=qemu%2F100"), when its type is known. */
  gui: string | null;
}

export interface ViewFinding {
  key: string;
  part: string;
  level: Status;
  /** CRITICAL, WARNING, UNKNOWN, or PENDING (explained by a running task: does not count). */
  word: string;
  /** duplicate, orphan, unknown, storage, stale, missing, readonly, full, cluster. */
  kind: string;
  /** What the admin knows it by: the finding's subject (the volume ID with its @snapshot, trash ID or partition), the mount, the storage object. */
  title: string;
  explanation: string;
  detail: string;
  dmName: string | null;
  volume: string | null;
  storage: string | null;
  /** The PVE GUI's location hash for the storage ("#v1:0:=storage%2Fpve1%2Flocal-zfs"), when there is one. */
  storageGui: string | null;
  guest: ViewGuestRef | null;
  size: string | null;
  fix: string | null;
  effect: string | null;
  hint: string | null;
  /** The next steps (keep it, drop it — irreversible —, what makes it safe), each command with its Copy button. */
  steps: FindingStep[];
  pending: boolean;
  protectedBy: string[];
  acknowledged: { reason: string; until: string } | null;
  /** Not there at the scan before (serve's history). */
  isNew: boolean;
  /** The command that acknowledges it; null when it cannot be (UNKNOWN, pending). */
  ackCommand: string | null;
  /**
   * Advice about what the node will do next (the next VMID PVE hands out collides with a leftover): shown
   * among the findings by its severity, never counted (the leftover itself is the counted finding).
   */
  advice?: boolean;
}

export interface ViewGuest extends ViewGuestRef {
  state: string;
  health: string;
  level: Status;
  issues: number;
  volumes: number;
}

export interface ViewMount {
  where: string;
  target: string;
  source: string;
  fstype: string;
  storage: string | null;
  level: Status;
  status: string;
  /** Usage in percent, when measured. */
  percent: number | null;
  /**
   * How the usage bar is coloured, from usage and status together: the classifier's level when it called
   * the mount full, CRITICAL for a filesystem at 100 % whatever its status (a read-only one is full too),
   * and never green for a mount that is not ok.
   */
  capacityLevel: Status;
  /** "38 % of 3.9 TiB, 2.4 TiB free", or why there is no number ("not mounted", "no answer"). */
  capacity: string;
  detail: string;
  guest: ViewGuestRef | null;
}

export interface DashboardView {
  status: Status;
  word: string;
  /** Without acknowledged findings it would be this (absent when the same). */
  wordWithoutAcks: string | null;
  grade: string;
  gradeLevel: Status;
  score: string;
  counts: { critical: number; warning: number; unknown: number; pending: number; acknowledged: number; new: number };
  findings: ViewFinding[];
  guests: ViewGuest[];
  mounts: ViewMount[];
  notes: string[];
  /**
   * The parts in the order the overview, the last scans and the history show them: led by what the node
   * has (core/findings/summary.ts partOrder: device-mapper last on a node without LVM storage).
   */
  parts: { id: 'dm' | 'mounts' | 'volumes'; label: string }[];
  /** The PVE web interface the links go to, when the config sets one (`[links] pve_gui`); else the page's host. */
  guiBase: string | null;
}

const PART_LABEL = { dm: 'DM', mounts: 'Mounts', volumes: 'Volumes' } as const;

/** The PVE GUI hash of a guest: what its tree view links to. */
export function guiHash(type: 'qemu' | 'lxc', vmid: number): string {
  return `#v1:0:=${type}%2F${vmid}`;
}

/** The PVE GUI hash of a storage of a node (the resource tree's `storage/<node>/<storage>`). */
export function storageGuiHash(node: string, storage: string): string {
  return `#v1:0:=storage%2F${encodeURIComponent(node)}%2F${encodeURIComponent(storage)}`;
}

/** The PVE web interface to link into: config `[links] pve_gui` (doc.guiUrl), else https://<node>:8006/. */
export function guiBaseOf(doc: Pick<CheckDocument, 'guiUrl' | 'node'>): string {
  if (doc.guiUrl) return doc.guiUrl.endsWith('/') ? doc.guiUrl : `${doc.guiUrl}/`;
  return `https://${encodeURIComponent(doc.node)}:8006/`;
}

function guestRef(known: KnownGuests, vmid: number | null, hint?: 'qemu' | 'lxc' | null): ViewGuestRef | null {
  if (vmid === null || vmid === undefined) return null;
  const g = known.get(vmid);
  const type = g?.type ?? hint ?? null;
  return {
    vmid,
    name: g?.name ?? null,
    type: type === 'lxc' ? 'CT' : type === 'qemu' ? 'VM' : null,
    node: g?.node ?? null,
    // A guest that exists nowhere (no config: a leftover's VMID) has no page to link to.
    gui: g && type && g.status !== 'missing' ? guiHash(type, vmid) : null,
  };
}

export function capacityText(m: MountEntry): string {
  if (typeof m.usagePercent === 'number') {
    const size = m.totalBytes ? ` of ${formatBytes(m.totalBytes)}` : '';
    const free =
      m.availableBytes !== null && m.availableBytes !== undefined ? `, ${formatBytes(m.availableBytes)} free` : '';
    return `${Math.round(m.usagePercent)} %${size}${free}`;
  }
  // A storage that is simply not mounted has no capacity of its own, and nothing is unreachable.
  if (m.status === 'missing' || m.reason === 'not-mounted') return 'not mounted';
  if (m.status === 'stale' || m.reachable === false) return 'no answer';
  return 'not measured';
}

export function dashboardView(doc: CheckDocument, opts: { newKeys?: string[] } = {}): DashboardView {
  const fresh = new Set(opts.newKeys ?? []);
  const entries = new Map<string, DmEntry>((doc.dm?.entries ?? []).map((e) => [e.name, e]));
  // The document's guests, indexed once for every guest this view names.
  const known = knownGuests(doc);
  const listed = listFindings(doc, known);
  const overall = overallOf(doc, listed);
  const findings = listed.map((f): ViewFinding => {
    const e = f.dmName ? entries.get(f.dmName) : undefined;
    const guest = guestRef(known, f.vmid, e?.guestType ?? (f.part === 'mounts' ? 'lxc' : null));
    return {
      key: f.key,
      part: f.part,
      level: f.severity,
      word: findingWord(f),
      kind: f.status,
      title: f.part === 'storage' ? f.explanation : f.subject,
      explanation: f.part === 'storage' ? f.reason.replace(/-/g, ' ') : f.explanation,
      detail: f.detail,
      dmName: f.dmName,
      volume: f.volume,
      storage: f.storage,
      storageGui: f.storage ? storageGuiHash(doc.node, f.storage) : null,
      guest,
      size: e?.sizeBytes ? formatBytes(e.sizeBytes) : null,
      fix: f.fix,
      effect: f.effect,
      hint: f.hint,
      steps: f.steps,
      pending: f.pending,
      protectedBy: f.protectedBy,
      acknowledged: f.acknowledged,
      isNew: fresh.has(f.key),
      ackCommand: isAckable(f) ? `pve-health ack ${shellQuote([f.key])} --for 7d --reason ${shellQuote(['…'])}` : null,
    };
  });
  // Parts that could not be checked lead the list: never shown as healthy.
  const errors: ViewFinding[] = [];
  for (const p of partErrors(doc)) errors.push(partError(p.part, p.label, p.error));
  const all = [...errors, ...findings];
  // The next VMID colliding with a leftover ("the next VM will get 104 and its first disk will fail") is
  // a warning about what comes next: among the findings, not a note at the foot of the page.
  const reuse = doc.dm?.vmidReuse;
  const collides = Boolean(reuse && (reuse.collisions.length > 0 || reuse.leftovers.length > 0));
  const advice = collides ? (reuse?.messages ?? []).map((m, i) => vmidAdvice(m, i)) : [];
  if (doc.notifyFailures) advice.unshift(notifyAdvice(doc.notifyFailures));
  const without = doc.statusWithoutAcks;
  return {
    status: doc.status,
    word: STATUS_WORD[doc.status],
    wordWithoutAcks: without !== undefined && without !== doc.status ? STATUS_WORD[without] : null,
    // The node's grade over every part (core/findings/overall.ts): none while a part is not checked.
    grade: overall.grade ?? '?',
    gradeLevel: overall.grade === null ? 3 : overall.grade === 'F' ? 2 : overall.grade === 'A+' ? 0 : 1,
    score:
      overall.score === null
        ? `not graded: ${overall.unchecked.map((u) => u.label).join(', ')} not checked`
        : `${overall.score} / 100`,
    counts: {
      // The node's counts (core/findings/problems.ts, the headline's), and a part not checked is UNKNOWN too.
      critical: overall.critical,
      warning: overall.warning,
      unknown: overall.unknown + errors.length,
      pending: all.filter((f) => f.pending).length,
      acknowledged: all.filter((f) => f.acknowledged).length,
      new: all.filter((f) => f.isNew).length,
    },
    findings: [...all, ...advice],
    guests: guestRows(doc, listed, known).map((g) => ({
      ...guestRef(known, g.vmid, g.type)!,
      state: g.status + (g.lock ? ` (lock: ${g.lock})` : ''),
      health: g.health,
      level: g.level,
      issues: g.issues,
      volumes: g.volumes,
    })),
    mounts: (doc.mounts?.entries ?? []).map((m) => ({
      where: m.scope === 'ct' ? `CT ${m.ctid}` : 'host',
      target: m.target,
      source: m.source,
      fstype: m.fstype,
      storage: m.storage,
      level: mountSeverity(m),
      capacityLevel: worstStatus(
        m.status === 'full' ? mountSeverity(m) : 0,
        typeof m.usagePercent === 'number' && m.usagePercent >= 100 ? 2 : 0,
        mountSeverity(m),
      ),
      status: m.status,
      percent: typeof m.usagePercent === 'number' ? Math.max(0, Math.min(100, m.usagePercent)) : null,
      capacity: capacityText(m),
      detail: typeof m.detail === 'string' && m.detail ? m.detail : (m.error ?? ''),
      guest: m.scope === 'ct' ? guestRef(known, m.ctid, 'lxc') : null,
    })),
    notes: [...(collides ? [] : (reuse?.messages ?? [])), ...(doc.dm?.warnings ?? []), ...quarantineNotes(doc)],
    parts: partOrder(doc).map((id) => ({ id, label: PART_LABEL[id] })),
    guiBase: doc.guiUrl ? guiBaseOf(doc) : null,
  };
}

function vmidAdvice(message: string, index: number): ViewFinding {
  return {
    ...partError('dm', '', ''),
    key: `dm:next-vmid:${index}`,
    level: 1,
    word: STATUS_WORD[1],
    kind: 'next VMID',
    title: 'Before the next guest is created',
    explanation: message,
    advice: true,
  };
}

/** Notifications that failed to deliver: a warning among the findings (not counted: the node is not worse for it). */
function notifyAdvice(f: NotifyFailures): ViewFinding {
  const last = f.last ? ` The last, at ${f.last.at} (${f.last.channel}): ${f.last.error}` : '';
  return {
    ...partError('notify', '', ''),
    key: 'notify:failed-deliveries',
    level: 1,
    word: STATUS_WORD[1],
    kind: 'notifications',
    title: `${f.total} notification deliveries failed`,
    explanation: `Alerts may not have reached anyone.${last}`,
    hint: 'Send a test to every channel and read what each says: pve-health notify --test',
    fix: 'pve-health notify --test',
    advice: true,
  };
}

function partError(part: string, label: string, error: string): ViewFinding {
  return {
    key: `${part}:could-not-check`,
    part,
    level: 3,
    word: STATUS_WORD[3],
    kind: 'not checked',
    title: `Could not check ${label}`,
    explanation: error,
    detail: '',
    dmName: null,
    volume: null,
    storage: null,
    storageGui: null,
    guest: null,
    size: null,
    fix: null,
    effect: null,
    hint: null,
    steps: [],
    pending: false,
    protectedBy: [],
    acknowledged: null,
    isNew: false,
    ackCommand: null,
  };
}

/** The quarantine as notes: its heading, each volume, and the commands that go with it. */
function quarantineNotes(doc: CheckDocument): string[] {
  const heading = quarantineHeading(doc);
  return heading ? [heading, ...quarantineLines(doc), `see: ${QUARANTINE_COMMANDS.join('; ')}`] : [];
}
