// Is what a node printed a check document the cluster can believe? A remote node's output is
// untrusted input: junk, a truncated or huge document, valid JSON of another shape, a document whose
// parts say worse than its status, or one from a node that answers under another name. Every field
// the cluster view reads (the node's verdict over every part, the DM entries the findings across
// nodes compare) is checked here before anything reads it; a document that fails is the reason its
// node is UNKNOWN, and the other nodes are reported as usual. Pure.

import { worstStatus } from '../vocab/status';
import type { CheckDocument, Status } from '../vocab/types';

type Shape = 'string' | 'number' | 'boolean' | 'string?' | 'number?' | 'boolean?' | 'strings' | 'strings?';

/** The fields of a DM entry the findings across nodes read (cluster-findings.ts), with their types. */
const DM_ENTRY: Record<string, Shape> = {
  name: 'string',
  uuid: 'string',
  vg: 'string?',
  lv: 'string?',
  layer: 'string?',
  storage: 'string?',
  vmid: 'number?',
  active: 'boolean',
  open: 'boolean',
  pending: 'boolean',
  status: 'string',
  reason: 'string',
  parent: 'string?',
  kind: 'string',
  protectedBy: 'strings?',
  lvUuid: 'string?',
  guestNode: 'string?',
  guestType: 'string?',
};

const GUEST: Record<string, Shape> = {
  vmid: 'number',
  type: 'string',
  name: 'string?',
  node: 'string?',
  status: 'string?',
  lock: 'string?',
};

/** The fields every part has (dm, volumes, mounts). */
const PART: Record<string, Shape> = { status: 'number' };

const STATUSES = [0, 1, 2, 3];

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function fits(v: unknown, shape: Shape): boolean {
  const optional = shape.endsWith('?');
  if (v === undefined || v === null) return optional;
  const base = shape.replace('?', '');
  if (base === 'strings') return Array.isArray(v) && v.every((s) => typeof s === 'string');
  if (base === 'number') return typeof v === 'number' && Number.isFinite(v);
  return typeof v === base;
}

/** The first field of `x` that does not have its shape, as "where.field", or null. */
function misfit(x: unknown, shape: Record<string, Shape>, where: string): string | null {
  if (!isObject(x)) return `${where} is not an object`;
  for (const [k, s] of Object.entries(shape)) if (!fits(x[k], s)) return `${where}.${k} is not a ${s.replace('?', '')}`;
  return null;
}

function listMisfit(list: unknown, shape: Record<string, Shape>, where: string): string | null {
  if (!Array.isArray(list)) return `${where} is not a list`;
  for (let i = 0; i < list.length; i++) {
    const bad = misfit(list[i], shape, `${where}[${i}]`);
    if (bad) return bad;
  }
  return null;
}

/** What is wrong with the shape of a check document, or null when the cluster can read it. */
export function documentShapeProblem(x: unknown): string | null {
  if (!isObject(x)) return 'it is not a JSON object';
  if (x.schemaVersion !== 1) return `its schemaVersion is ${JSON.stringify(x.schemaVersion) ?? 'missing'}, not 1`;
  if (typeof x.node !== 'string' || x.node === '') return 'it names no node';
  if (!STATUSES.includes(x.status as number)) return `its status ${JSON.stringify(x.status)} is not 0-3`;
  if (x.summary !== undefined && typeof x.summary !== 'string') return 'its summary is not a string';
  // `check` always writes its parts: a document with none says nothing was checked, never an OK node.
  if (x.dm === undefined && x.volumes === undefined && x.mounts === undefined)
    return 'it has no part at all (dm, volumes, mounts): nothing of the node was checked';
  for (const part of ['dm', 'volumes', 'mounts'] as const) {
    const p = x[part];
    if (p === undefined) continue;
    const bad =
      misfit(p, PART, part) ??
      (STATUSES.includes((p as { status: number }).status) ? null : `${part}.status is not 0-3`) ??
      ('entries' in (p as object) ? listMisfit((p as { entries: unknown }).entries, {}, `${part}.entries`) : null);
    if (bad) return bad;
  }
  if (x.dm !== undefined) {
    const dm = x.dm as Record<string, unknown>;
    const bad =
      listMisfit(dm.entries, DM_ENTRY, 'dm.entries') ??
      (dm.guests === undefined ? null : listMisfit(dm.guests, GUEST, 'dm.guests'));
    if (bad) return bad;
  }
  const vg = (x.volumes as Record<string, unknown> | undefined)?.guests;
  if (vg !== undefined) {
    const bad = listMisfit(vg, GUEST, 'volumes.guests');
    if (bad) return bad;
  }
  return null;
}

/** The document's status, never better than one of its parts says (a document that contradicts itself). */
export function documentStatus(doc: CheckDocument): Status {
  return worstStatus(doc.status, ...[doc.dm, doc.volumes, doc.mounts].map((p) => p?.status ?? 0));
}

/** Why a check document for `node` is not that node's: it answers under another name (null: it is). */
export function wrongNodeProblem(node: string, doc: CheckDocument, cluster: string[]): string | null {
  if (doc.node === node) return null;
  const other = cluster.includes(doc.node) && doc.node !== node ? `, the name of another node of this cluster` : '';
  return `the check that ran for ${node} reports node name '${doc.node}'${other}: the address may lead to another node, so its findings are not ${node}'s`;
}
