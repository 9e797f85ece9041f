// The whole cluster in one document: per-node check documents (or why a node could not be checked)
// merged, plus the findings no single node can see. Pure: the documents and the time are passed in.
//
// Identity of a shared LV across nodes is (VG name, LV id): every node reads the same LVM metadata
// from the shared PV, so the same LV has the same 32-character id everywhere, while a node-local VG
// of the same name ("pve" on every node) has other ids. Names are never compared: a stale map of an
// old incarnation carries the old id and is a different volume.
import { worstStatus } from './evaluate';
import type { CheckDocument, DmEntry, Grade, Status } from './types';

/** Why a node has no document. */
export type NodeErrorKind =
  | 'offline' // .members says the node is offline: not tried
  | 'ssh-failed' // ssh itself failed (exit 255): refused, no route, host key, permission denied
  | 'timeout' // the node did not answer within the node timeout (killed)
  | 'not-installed' // the remote shell could not find pve-health (exit 127)
  | 'bad-output' // the command ran but did not print a check document
  | 'check-failed'; // pve-health ran and could not check (its error message says why)

export interface NodeError {
  kind: NodeErrorKind;
  message: string;
}

/** What the runner learned about one node: a document, or an error. */
export interface NodeResult {
  node: string;
  ip?: string | null;
  /** This is the node the cluster command ran on (checked in-process, not over ssh). */
  local?: boolean;
  /** Online per .members (null: standalone node or unknown). */
  online?: boolean | null;
  doc?: CheckDocument;
  error?: NodeError;
  /** How long the node's check took (ms). */
  ms?: number;
}

export type FindingSeverity = 'critical' | 'warning' | 'unknown' | 'info';

export type ClusterFindingKind =
  | 'shared-lv-open-on-nodes'
  | 'shared-lv-active-on-nodes'
  | 'guest-active-away-from-home'
  | 'node-not-checked'
  | 'node-offline'
  | 'node-name-mismatch'
  | 'cluster-not-quorate';

export interface ClusterVolume {
  vg: string;
  lv: string;
  lvUuid: string;
  storage: string | null;
  vmid: number | null;
  /** Node the owning guest lives on, when a document knows it. */
  home: string | null;
  /** Nodes where the LV has a DM map, and where that map is open. */
  activeOn: string[];
  openOn: string[];
}

export interface ClusterFinding {
  /** Stable across runs for the same problem (notifications compare it). */
  id: string;
  kind: ClusterFindingKind;
  severity: FindingSeverity;
  title: string;
  detail: string;
  /** Nodes involved. */
  nodes: string[];
  vmid?: number;
  volumes?: ClusterVolume[];
  /** What explains it (e.g. "migration: lock migrate on pve1"), when something does. */
  explainedBy?: string[];
}

export interface ClusterNode {
  node: string;
  ip: string | null;
  local: boolean;
  online: boolean | null;
  /** The node's check status, or for an unchecked node 3 (1 when it is offline per .members). */
  status: Status;
  grade: Grade | null;
  score: number | null;
  /** The node's summary line, or why it could not be checked. */
  summary: string;
  error?: NodeError;
  ms?: number;
}

export interface ClusterDocument {
  schemaVersion: 1;
  kind: 'pve-health-cluster';
  generatedAt: string;
  cluster: { name: string | null; quorate: boolean | null; localNode: string; nodes: number; checked: number };
  nodes: ClusterNode[];
  findings: ClusterFinding[];
  status: Status;
  summary: string;
  /** Full per-node documents (only when asked for: they can be large). */
  documents?: Record<string, CheckDocument>;
}

export interface ClusterInput {
  now: Date;
  localNode: string;
  clusterName: string | null;
  /** null for a standalone node (no `cluster` object in .members). */
  quorate: boolean | null;
  results: NodeResult[];
  /**
   * IDs of shared LVM storages (storage.cfg). The node-level reason guest-on-other-node also marks
   * a leftover on a node's local storage that merely carries the name of a guest's disk elsewhere;
   * only shared storages hold a guest's own volume away from home. null: count every storage.
   */
  sharedStorages?: string[] | null;
  includeDocuments?: boolean;
}

const SEVERITY_STATUS: Record<FindingSeverity, Status> = { critical: 2, warning: 1, unknown: 3, info: 0 };

/** Task types and HA states that move a guest between nodes (both nodes map its volumes meanwhile). */
const MIGRATION_PENDING = new Set(['task:qmigrate', 'task:vzmigrate', 'task:migrateall', 'ha:migrate', 'ha:relocate']);

export function findingStatus(f: Pick<ClusterFinding, 'severity'>): Status {
  return SEVERITY_STATUS[f.severity];
}

/** The 32-character LV id of an LV or of its top-level DM map (`LVM-<vg id><lv id>`, no layer suffix). */
export function lvIdOf(e: DmEntry): string | null {
  if (e.lvUuid) return e.lvUuid.replace(/-/g, '');
  const m = /^LVM-[0-9A-Za-z!#]{32}([0-9A-Za-z!#]{32})$/.exec(e.uuid);
  return m ? m[1] : null;
}

/** Top-level maps of guest-volume LVs: layers, partitions and ignored devices are not volumes. */
function isVolumeMap(e: DmEntry): boolean {
  return (
    e.kind === 'dm' &&
    e.active &&
    e.layer === null &&
    e.parent === null &&
    e.vg !== null &&
    e.lv !== null &&
    e.status !== 'ignored'
  );
}

function nodeError(r: NodeResult): ClusterNode {
  const offline = r.error?.kind === 'offline';
  return {
    node: r.node,
    ip: r.ip ?? null,
    local: Boolean(r.local),
    online: r.online ?? null,
    status: offline ? 1 : 3,
    grade: null,
    score: null,
    summary: `not checked: ${r.error?.message ?? 'no result'}`,
    ...(r.error ? { error: r.error } : {}),
    ...(r.ms !== undefined ? { ms: Math.round(r.ms) } : {}),
  };
}

function nodeOk(r: NodeResult, doc: CheckDocument): ClusterNode {
  return {
    node: r.node,
    ip: r.ip ?? null,
    local: Boolean(r.local),
    online: r.online ?? null,
    status: doc.status,
    grade: doc.dm?.summary.grade ?? null,
    score: doc.dm?.summary.score ?? null,
    summary: doc.summary ?? '',
    ...(r.ms !== undefined ? { ms: Math.round(r.ms) } : {}),
  };
}

/** Why a guest's volumes may be mapped on two nodes at once: a migration under way. */
function migrationReasons(docs: [string, CheckDocument][]): Map<number, string[]> {
  const out = new Map<number, Set<string>>();
  const add = (vmid: number, why: string) => {
    const s = out.get(vmid) ?? new Set<string>();
    s.add(why);
    out.set(vmid, s);
  };
  for (const [node, doc] of docs) {
    for (const g of doc.dm?.guests ?? []) if (g.lock === 'migrate') add(g.vmid, 'lock: migrate');
    for (const e of doc.dm?.entries ?? []) {
      if (e.vmid === null) continue;
      for (const p of e.protectedBy ?? []) if (MIGRATION_PENDING.has(p)) add(e.vmid, `${p} on ${node}`);
    }
  }
  return new Map([...out].map(([k, v]) => [k, [...v].sort()]));
}

function sentence(text: string): string {
  return /[.!?]$/.test(text.trim()) ? text.trim() : `${text.trim()}.`;
}

function listNodes(nodes: string[]): string {
  return nodes.length <= 1 ? nodes.join('') : `${nodes.slice(0, -1).join(', ')} and ${nodes[nodes.length - 1]}`;
}

function guestWord(vmid: number | null, docs: [string, CheckDocument][]): string {
  if (vmid === null) return 'no guest';
  for (const [, d] of docs) {
    const type =
      d.dm?.guests.find((x) => x.vmid === vmid)?.type ??
      d.dm?.entries.find((e) => e.vmid === vmid && e.guestType)?.guestType;
    if (type) return `${type === 'lxc' ? 'CT' : 'VM'} ${vmid}`;
  }
  return `guest ${vmid}`;
}

/** Shared LVs mapped (and opened) on more than one node, by (VG, LV id). */
function sharedVolumeFindings(docs: [string, CheckDocument][], migrating: Map<number, string[]>): ClusterFinding[] {
  const vols = new Map<string, ClusterVolume>();
  for (const [node, doc] of docs) {
    for (const e of doc.dm?.entries ?? []) {
      if (!isVolumeMap(e)) continue;
      const id = lvIdOf(e);
      if (!id) continue;
      const key = `${e.vg}/${id}`;
      let v = vols.get(key);
      if (!v) {
        v = {
          vg: e.vg!,
          lv: e.lv!,
          lvUuid: id,
          storage: e.storage,
          vmid: e.vmid,
          home: e.guestNode ?? null,
          activeOn: [],
          openOn: [],
        };
        vols.set(key, v);
      }
      v.home ??= e.guestNode ?? null;
      v.vmid ??= e.vmid;
      v.storage ??= e.storage;
      if (!v.activeOn.includes(node)) v.activeOn.push(node);
      if (e.open && !v.openOn.includes(node)) v.openOn.push(node);
    }
  }
  const out: ClusterFinding[] = [];
  for (const v of [...vols.values()].sort((a, b) => `${a.vg}/${a.lv}`.localeCompare(`${b.vg}/${b.lv}`))) {
    if (v.activeOn.length < 2) continue;
    v.activeOn.sort();
    v.openOn.sort();
    const why = v.vmid !== null ? migrating.get(v.vmid) : undefined;
    const who = guestWord(v.vmid, docs);
    const home = v.home ? ` (home ${v.home})` : '';
    if (v.openOn.length >= 2) {
      out.push({
        id: `shared-lv-open:${v.vg}/${v.lvUuid}`,
        kind: 'shared-lv-open-on-nodes',
        severity: why ? 'warning' : 'critical',
        title: `${v.vg}/${v.lv} is open on ${listNodes(v.openOn)} at once`,
        detail: why
          ? `LV ${v.vg}/${v.lv} of ${who}${home} is open on ${v.openOn.length} nodes; a migration explains it (${why.join('; ')}). If it stays like this after the migration ended, two nodes write to one disk.`
          : `LV ${v.vg}/${v.lv} (LV UUID ${v.lvUuid}) of ${who}${home} is open on ${listNodes(v.openOn)} and no migration is under way: two writers on one disk corrupt it. Find out which node must not use it (qm/pct status on each; the holders in 'pve-health dm' there) and stop that use before anything else.`,
        nodes: v.openOn,
        ...(v.vmid !== null ? { vmid: v.vmid } : {}),
        volumes: [v],
        ...(why ? { explainedBy: why } : {}),
      });
    } else {
      const open = v.openOn.length ? `, open on ${v.openOn[0]}` : '';
      out.push({
        id: `shared-lv-active:${v.vg}/${v.lvUuid}`,
        kind: 'shared-lv-active-on-nodes',
        severity: 'warning',
        title: `${v.vg}/${v.lv} is active on ${listNodes(v.activeOn)}`,
        detail: `LV ${v.vg}/${v.lv} of ${who}${home} has a device-mapper map on ${listNodes(v.activeOn)}${open}. ${
          why
            ? `A migration explains it (${why.join('; ')}).`
            : 'Normal during a live migration, and on PVE 8 where shared VGs are autoactivated at boot; otherwise deactivate it (lvchange -an) on the nodes that do not run the guest, so a later activation elsewhere does not read stale data.'
        }`,
        nodes: v.activeOn,
        ...(v.vmid !== null ? { vmid: v.vmid } : {}),
        volumes: [v],
        ...(why ? { explainedBy: why } : {}),
      });
    }
  }
  return out;
}

/** Per guest: its volumes mapped on nodes other than its home (the node-level guest-on-other-node, summed up). */
function awayFromHomeFindings(
  docs: [string, CheckDocument][],
  migrating: Map<number, string[]>,
  shared: Set<string> | null,
): ClusterFinding[] {
  const byGuest = new Map<
    number,
    { home: string; nodes: Set<string>; open: Set<string>; volumes: Set<string>; pending: boolean }
  >();
  for (const [node, doc] of docs) {
    for (const e of doc.dm?.entries ?? []) {
      if (e.reason !== 'guest-on-other-node' || !e.active || e.vmid === null || e.parent !== null || e.layer !== null)
        continue;
      if (shared && (e.storage === null || !shared.has(e.storage))) continue;
      const g = byGuest.get(e.vmid) ?? {
        home: e.guestNode ?? '?',
        nodes: new Set(),
        open: new Set(),
        volumes: new Set(),
        pending: true,
      };
      g.nodes.add(node);
      if (e.open) g.open.add(node);
      g.volumes.add(`${e.vg}/${e.lv}`);
      g.pending &&= e.pending;
      byGuest.set(e.vmid, g);
    }
  }
  const out: ClusterFinding[] = [];
  for (const [vmid, g] of [...byGuest].sort((a, b) => a[0] - b[0])) {
    const why = migrating.get(vmid);
    const nodes = [...g.nodes].sort();
    const open = [...g.open].sort();
    const who = guestWord(vmid, docs);
    const explained = Boolean(why) || g.pending;
    const severity: FindingSeverity = explained ? 'info' : open.length ? 'critical' : 'warning';
    out.push({
      id: `guest-away:${vmid}`,
      kind: 'guest-active-away-from-home',
      severity,
      title: `${who} (home ${g.home}) has volumes active on ${listNodes(nodes)}`,
      detail: `${[...g.volumes].sort().join(', ')} ${g.volumes.size === 1 ? 'is' : 'are'} mapped on ${listNodes(nodes)}${open.length ? ` (open on ${listNodes(open)})` : ''} although ${who} lives on ${g.home}. ${
        explained
          ? `Explained by an operation under way${why ? ` (${why.join('; ')})` : ''}.`
          : open.length
            ? 'Something on that node uses the disk of a guest that runs elsewhere: two writers.'
            : `Deactivate ${g.volumes.size === 1 ? 'it' : 'them'} there ('pve-health clean' on that node, or lvchange -an).`
      }`,
      nodes,
      vmid,
      ...(why ? { explainedBy: why } : {}),
    });
  }
  return out;
}

function nodeFindings(results: NodeResult[]): ClusterFinding[] {
  const out: ClusterFinding[] = [];
  for (const r of results) {
    if (r.error) {
      const offline = r.error.kind === 'offline';
      out.push({
        id: `${offline ? 'node-offline' : 'node-not-checked'}:${r.node}`,
        kind: offline ? 'node-offline' : 'node-not-checked',
        severity: offline ? 'warning' : 'unknown',
        title: offline
          ? `${r.node} is offline (cluster membership)`
          : `${r.node} could not be checked (${r.error.kind})`,
        detail: `${sentence(r.error.message)} Findings across nodes cannot include ${r.node}.`,
        nodes: [r.node],
      });
    } else if (r.doc && r.doc.node !== r.node) {
      out.push({
        id: `node-name-mismatch:${r.node}`,
        kind: 'node-name-mismatch',
        severity: 'warning',
        title: `${r.node} answered as '${r.doc.node}'`,
        detail: `The check that ran for ${r.node}${r.ip ? ` (${r.ip})` : ''} reports node name '${r.doc.node}': the address may point at another node, or its hostname differs from its cluster name.`,
        nodes: [r.node],
      });
    }
  }
  return out;
}

const SEVERITY_ORDER: FindingSeverity[] = ['critical', 'unknown', 'warning', 'info'];

export function mergeCluster(input: ClusterInput): ClusterDocument {
  const results = [...input.results].sort((a, b) => a.node.localeCompare(b.node));
  const nodes = results.map((r) => (r.doc && !r.error ? nodeOk(r, r.doc) : nodeError(r)));
  const docs: [string, CheckDocument][] = results.filter((r) => r.doc && !r.error).map((r) => [r.node, r.doc!]);
  const migrating = migrationReasons(docs);
  const findings: ClusterFinding[] = [
    ...sharedVolumeFindings(docs, migrating),
    ...awayFromHomeFindings(docs, migrating, input.sharedStorages ? new Set(input.sharedStorages) : null),
    ...nodeFindings(results),
  ];
  if (input.quorate === false) {
    findings.push({
      id: 'cluster-not-quorate',
      kind: 'cluster-not-quorate',
      severity: 'warning',
      title: `the cluster is not quorate on ${input.localNode}`,
      detail: `${input.localNode} has no quorum: /etc/pve is read-only here and the node list and online flags may be stale.`,
      nodes: [input.localNode],
    });
  }
  findings.sort(
    (a, b) => SEVERITY_ORDER.indexOf(a.severity) - SEVERITY_ORDER.indexOf(b.severity) || a.id.localeCompare(b.id),
  );
  const status = worstStatus(...nodes.map((n) => n.status), ...findings.map(findingStatus));
  const doc: ClusterDocument = {
    schemaVersion: 1,
    kind: 'pve-health-cluster',
    generatedAt: input.now.toISOString(),
    cluster: {
      name: input.clusterName,
      quorate: input.quorate,
      localNode: input.localNode,
      nodes: nodes.length,
      checked: docs.length,
    },
    nodes,
    findings,
    status,
    summary: clusterSummary(nodes, findings),
  };
  if (input.includeDocuments) doc.documents = Object.fromEntries(docs);
  return doc;
}

/** "4 nodes, 2 checked (1 offline, 1 not checked); 1 critical, 2 warnings across nodes". */
export function clusterSummary(nodes: ClusterNode[], findings: ClusterFinding[]): string {
  const checked = nodes.filter((n) => !n.error).length;
  const offline = nodes.filter((n) => n.error?.kind === 'offline').length;
  const failed = nodes.length - checked - offline;
  const notes = [offline ? `${offline} offline` : '', failed ? `${failed} not checked` : ''].filter(Boolean);
  const cross = findings.filter(
    (f) => !f.kind.startsWith('node-') && f.kind !== 'cluster-not-quorate' && f.severity !== 'info',
  );
  const count = (sev: FindingSeverity) => cross.filter((f) => f.severity === sev).length;
  const parts = [
    count('critical') ? `${count('critical')} critical` : '',
    count('warning') ? `${count('warning')} warning${count('warning') === 1 ? '' : 's'}` : '',
  ].filter(Boolean);
  return `${nodes.length} node${nodes.length === 1 ? '' : 's'}, ${checked} checked${notes.length ? ` (${notes.join(', ')})` : ''}; ${
    parts.length ? `${parts.join(', ')} across nodes` : 'no problems across nodes'
  }`;
}
