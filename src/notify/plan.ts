// Notify on change: which channels get a message this run, decided from the last state each channel
// was told about. Pure: the previous state, the current findings and the time go in; the decision
// comes out. A channel whose send failed keeps its old record, so the next run tries it again.
import { documentPartOf, type Finding } from '../core/findings/findings';
import type { NotifyFailures, Status } from '../core/vocab/types';

export type NotifyKind = 'change' | 'always' | 'digest' | 'test';

export interface ChannelRecord {
  status: Status;
  findings: string[];
  sentAt: string;
}

export interface NodeState {
  checkedAt: string;
  status: Status;
  findings: string[];
  /** Channel name → what it was last told successfully. */
  channels: Record<string, ChannelRecord>;
  /** ISO time of the digest slot last delivered. */
  digestAt?: string;
  /**
   * Failed deliveries since the state began (a channel that failed, or a way a channel fell back from),
   * and the last one: `check` and the dashboard show them, pve_health_notify_failures_total counts them.
   */
  failures?: NotifyFailures;
}

export interface NotifyState {
  version: 1;
  nodes: Record<string, NodeState>;
}

export interface Current {
  node: string;
  status: Status;
  findings: string[];
  now: Date;
  /**
   * Document parts that could not be checked this run (dm, mounts, volumes). What the last check found in
   * them is neither resolved nor forgotten: carried over until the part is checked again.
   */
  unchecked?: string[];
  /** Earlier keys of current findings (a DM finding's DM-name key) → their key now: no false New/Resolved. */
  aliases?: Record<string, string>;
}

/** The document part a finding key belongs to (`dm:…`/`storage:…` → dm, `mounts:…`, `volumes:…`). */
function partOfKey(key: string): string | null {
  return documentPartOf(key.slice(0, key.indexOf(':')) as Finding['part']);
}

/** Earlier findings of the parts that could not be checked now and are not seen now: carried over, never "resolved". */
export function carriedFindings(before: Iterable<string>, cur: Current): string[] {
  if (!cur.unchecked?.length) return [];
  const now = new Set(cur.findings);
  const unchecked = new Set(cur.unchecked);
  return [...before].filter((k) => !now.has(k) && unchecked.has(partOfKey(k) ?? ''));
}

export interface PlanOptions {
  on: 'change' | 'always' | 'never';
  digest?: string;
  always?: boolean;
  test?: boolean;
}

export interface ChannelPlan {
  channel: string;
  send: boolean;
  kind: NotifyKind | null;
  /** Why (not): "findings changed", "status changed", "unchanged", ... */
  why: string;
  added: string[];
  resolved: string[];
  statusFrom: Status | null;
}

export function emptyState(): NotifyState {
  return { version: 1, nodes: {} };
}

/** The most recent "HH:MM" (local time) at or before `now`. */
export function digestSlot(now: Date, hhmm: string): Date {
  const [h, m] = hhmm.split(':').map(Number);
  const slot = new Date(now.getFullYear(), now.getMonth(), now.getDate(), h, m, 0, 0);
  if (slot.getTime() > now.getTime()) slot.setDate(slot.getDate() - 1);
  return slot;
}

export function isDigestDue(prev: NodeState | undefined, now: Date, hhmm: string | undefined): boolean {
  if (!hhmm) return false;
  const slot = digestSlot(now, hhmm);
  const last = prev?.digestAt ? Date.parse(prev.digestAt) : Number.NEGATIVE_INFINITY;
  return last < slot.getTime();
}

export function planChannels(
  prevState: NotifyState,
  cur: Current,
  channels: string[],
  opts: PlanOptions,
): ChannelPlan[] {
  const prev = prevState.nodes[cur.node];
  const digestDue = !opts.test && isDigestDue(prev, cur.now, opts.digest);
  return channels.map((channel): ChannelPlan => {
    // A channel never told anything is treated as told "healthy": a healthy first run stays quiet.
    const rec = prev?.channels[channel];
    const before = new Set((rec?.findings ?? []).map((k) => cur.aliases?.[k] ?? k));
    const now = new Set(cur.findings);
    const added = cur.findings.filter((k) => !before.has(k));
    const carried = new Set(carriedFindings(before, cur));
    const resolved = [...before].filter((k) => !now.has(k) && !carried.has(k));
    const statusFrom = rec ? rec.status : null;
    const base = { channel, added, resolved, statusFrom };
    if (opts.test) return { ...base, send: true, kind: 'test', why: 'test message' };
    if (opts.always) return { ...base, send: true, kind: 'always', why: '--always' };
    if (opts.on === 'always') return { ...base, send: true, kind: 'always', why: 'notify.on = "always"' };
    const statusChanged = (rec?.status ?? 0) !== cur.status;
    if (opts.on === 'change' && (added.length || resolved.length || statusChanged)) {
      const why = [
        added.length && `${added.length} new`,
        resolved.length && `${resolved.length} resolved`,
        statusChanged && 'status changed',
      ]
        .filter(Boolean)
        .join(', ');
      return { ...base, send: true, kind: 'change', why };
    }
    if (digestDue) return { ...base, send: true, kind: 'digest', why: `daily digest (${opts.digest})` };
    return { ...base, send: false, kind: null, why: opts.on === 'never' ? 'notify.on = "never"' : 'unchanged' };
  });
}

/** The state after this run: every node's last check, and the record of each channel that delivered. */
export function nextState(
  prevState: NotifyState,
  cur: Current,
  delivered: { channel: string; kind: NotifyKind }[],
  digestDue: boolean,
): NotifyState {
  const prev = prevState.nodes[cur.node];
  const channels = { ...(prev?.channels ?? {}) };
  const at = cur.now.toISOString();
  for (const d of delivered) {
    if (d.kind === 'test') continue;
    const carried = carriedFindings(prev?.channels[d.channel]?.findings ?? [], cur);
    channels[d.channel] = { status: cur.status, findings: [...cur.findings, ...carried].sort(), sentAt: at };
  }
  const carried = carriedFindings(prev?.findings ?? [], cur);
  const node: NodeState = {
    checkedAt: at,
    status: cur.status,
    findings: [...cur.findings, ...carried].sort(),
    channels,
  };
  const digestSent = digestDue && delivered.some((d) => d.kind !== 'test');
  const digestAt = digestSent ? at : prev?.digestAt;
  if (digestAt) node.digestAt = digestAt;
  if (prev?.failures) node.failures = prev.failures;
  return { version: 1, nodes: { ...prevState.nodes, [cur.node]: node } };
}

/** Accept a state file of this version only; anything else starts afresh (worst case: one extra message). */
export function parseState(text: string): NotifyState {
  try {
    const v = JSON.parse(text) as NotifyState;
    if (v && v.version === 1 && v.nodes && typeof v.nodes === 'object') return v;
  } catch {}
  return emptyState();
}

/** The state with this run's failed deliveries added to the node's count (`results`: the run's report). */
export function withFailures(
  state: NotifyState,
  node: string,
  results: { channel: string; result: string; error?: string; via?: string; fallbackErrors?: string[] }[],
  now: Date,
): NotifyState {
  const n = state.nodes[node];
  if (!n) return state;
  const before = n.failures ?? { total: 0, last: null };
  let { total, last } = before;
  for (const r of results) {
    const errors = [...(r.fallbackErrors ?? []), ...(r.result === 'failed' ? [r.error ?? 'failed'] : [])];
    total += errors.length;
    if (!errors.length) continue;
    // A fallback that failed before another way delivered: the message arrived, and says through what.
    const delivered = r.result === 'sent' && r.via ? { deliveredVia: r.via } : {};
    last = { at: now.toISOString(), channel: r.channel, error: errors[errors.length - 1], ...delivered };
  }
  return { ...state, nodes: { ...state.nodes, [node]: { ...n, failures: { total, last } } } };
}
