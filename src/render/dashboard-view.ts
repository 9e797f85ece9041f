// What the dashboard shows, decided on the server: findings led by what an admin knows (the volume
// ID, the guest with its name and a link into the PVE GUI, the storage; the DM name is a detail),
// status words, sizes and capacity texts. The page only lays this out, so it never re-derives a status
// or formats a size of its own. Pure; the HTML report uses the same guest links.

import { isAckable } from '../core/findings/acks';
import { findingWord } from '../core/findings/finding-words';
import { listFindings, mountSeverity, partErrors } from '../core/findings/findings';
import { guestRows } from '../core/findings/guest-rows';
import { overallOf } from '../core/findings/overall';
import { partOrder } from '../core/findings/summary';
import { type KnownGuests, knownGuests } from '../core/node/guest-index';
import { formatBytes } from '../core/text/format-bytes';
import { shellQuote } from '../core/text/shell-quote';
import { STATUS_WORD, worstStatus } from '../core/vocab/status';
import type { CheckDocument, DmEntry, MountEntry } from '../core/vocab/types';
import { notifyAdvice, partError, vmidAdvice } from './dashboard-advice';
import type { DashboardView, ViewFinding, ViewGuestRef } from './dashboard-types';
import { findingSizes } from './finding-size';
import { ctLabel } from './mounts-text';
import { quarantineHeading, quarantineRows } from './quarantine';

export type { DashboardView, ViewFinding, ViewGuest, ViewGuestRef, ViewMount } from './dashboard-types';

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
  const sizeOf = findingSizes(doc);
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
      size: sizeOf(f),
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
    // The node's verdict leads the summary (check's headline); each part's own line follows it.
    headline: overall.headline,
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
    guests: guestRows(doc, listed, known).map((g) => {
      // Each key written out, not `...guestRef()` and then more: on Node 18 and 20 that gives every row a
      // hidden class of its own, at every scan (test/core/hidden-classes.test.ts).
      const r = guestRef(known, g.vmid, g.type)!;
      return {
        vmid: r.vmid,
        name: r.name,
        type: r.type,
        node: r.node,
        gui: r.gui,
        state: g.status + (g.lock ? ` (lock: ${g.lock})` : ''),
        health: g.health,
        level: g.level,
        issues: g.issues,
        volumes: g.volumes,
      };
    }),
    mounts: (doc.mounts?.entries ?? []).map((m) => ({
      where: m.scope === 'ct' ? ctLabel(m) : 'host',
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
    notes: [...(collides ? [] : (reuse?.messages ?? [])), ...(doc.dm?.warnings ?? [])],
    quarantine: quarantineView(doc),
    parts: partOrder(doc).map((id) => ({ id, label: PART_LABEL[id] })),
    guiBase: doc.guiUrl ? guiBaseOf(doc) : null,
  };
}

/** What is in quarantine, as a table of its own (render/quarantine.ts's rows, the HTML report's too). */
function quarantineView(doc: CheckDocument): DashboardView['quarantine'] {
  const heading = quarantineHeading(doc);
  return heading ? { heading, rows: quarantineRows(doc) } : null;
}
