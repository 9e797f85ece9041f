// clean's narrow re-check, the I/O (the decision: core/cleanup/recheck-narrow.ts): under the action's
// locks, read again only the map(s) and LV the action touches — `dmsetup info -c` and `dmsetup table` of
// each map, its /sys/block/dm-N/holders, one `lvs` of its LV — one after the other, so a change made
// while we read is seen by the later reads. When all of it is as the plan saw it, the node is decided
// again from the plan's device-mapper and LVM look (with this run's own changes) and the PVE files read
// now (analyze-host.ts reanalyzeSince): the executor's recheck then asks the same questions as after a
// full gather. A full gather is taken instead when there is no such look or an action of this run failed
// (its effect on the node is then not known).

import type { CleanupAction } from '../core/cleanup/plan-cleanup';
import {
  classifyRecheck,
  deviceInfoArgv,
  deviceTableArgv,
  lvsArgv,
  type NarrowRead,
  type RecheckTarget,
  recheckTarget,
} from '../core/cleanup/recheck-narrow';
import { lvRowsSince, type SinceSnapshot } from '../core/node/node-view';
import { parseDmInfo } from '../core/parse/parse-dmsetup';
import type { Config } from '../core/vocab/config';
import { DEFAULT_COMMAND_TIMEOUT_MS } from '../host/gather';
import type { Host } from '../host/host';
import { runCaptured } from '../host/read-dm';
import { readDmHolders } from '../host/read-node';
import { type ActOptions, regather } from './action-steps';
import { type Analysis, reanalyzeSince } from './analyze-host';
import { assertSafe, RefusedError } from './preconditions';

/** What the narrow re-check starts from: the look the plan was made from, and the config to decide with. */
export interface NarrowRecheck {
  first: Analysis;
  config: Config;
  /** Deadline of each read (ms; default as the gather's). */
  timeoutMs?: number;
}

/** The look re-checks compare with, and what this run changed since it was taken. */
export interface RecheckState {
  base: Analysis | null;
  since: { removedMaps: Set<string>; deactivatedLvs: Set<string> };
}

export function recheckState(narrow: NarrowRecheck | undefined): RecheckState {
  return {
    base: narrow?.first.snapshot ? narrow.first : null,
    since: { removedMaps: new Set(), deactivatedLvs: new Set() },
  };
}

/** After an action: what it changed (done), or the look is no longer known (failed: a full gather next). */
export function noteOutcome(state: RecheckState, a: CleanupAction, result: string): void {
  if (result === 'done') {
    state.since.removedMaps.add(a.name);
    if (a.kind === 'lv-deactivate' && a.vg && a.lv) state.since.deactivatedLvs.add(`${a.vg}/${a.lv}`);
  } else if (result === 'failed') {
    state.base = null;
  }
}

/**
 * A fresh look for action `a`, or why it must be skipped. Narrow when a base look is known; otherwise a
 * full gather (which becomes the base when the narrow re-check is on). A failed gather or precondition
 * stops the run (RefusedError), as before every action.
 */
export async function lookAgain(
  a: CleanupAction,
  o: Pick<ActOptions, 'analyze' | 'pveMount' | 'host'> & { narrow?: NarrowRecheck },
  state: RecheckState,
): Promise<{ fresh: Analysis; why: null } | { fresh: null; why: string }> {
  const doing = `acting on ${a.name}`;
  const base = state.base;
  if (!o.narrow || !base?.snapshot) {
    const fresh = await regather(o, doing);
    if (o.narrow && fresh.snapshot) {
      state.base = fresh;
      state.since = { removedMaps: new Set(), deactivatedLvs: new Set() };
    }
    return { fresh, why: null };
  }
  const target = recheckTarget(a, base.view, base.result.entries);
  const read = await readNarrow(o.host, target, o.narrow.timeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS);
  const why = classifyRecheck(a, target, lvRowsSince(base.view.lvm.lvs ?? [], state.since), read);
  if (why) return { fresh: null, why };
  // The rows just read (found as captured but for their open count) stand in for the captured ones.
  const infoNow = new Map(read.devices.flatMap((d) => parseDmInfo(d.info.stdout)).map((i) => [i.name, i]));
  const since: SinceSnapshot = { ...state.since, infoNow };
  let fresh: Analysis;
  try {
    fresh = reanalyzeSince(o.host, base.snapshot, since, o.narrow.config);
  } catch (e) {
    throw new RefusedError([{ code: 'gather', message: `re-check before ${doing} failed: ${(e as Error).message}` }]);
  }
  assertSafe(fresh, o.pveMount());
  return { fresh, why: null };
}

/** The reads of a RecheckTarget, in order: each map's info, holders and table, then the LV rows. */
export async function readNarrow(host: Host, target: RecheckTarget, timeoutMs: number): Promise<NarrowRead> {
  const devices: NarrowRead['devices'] = [];
  for (const d of target.devices) {
    const info = await runCaptured(host, deviceInfoArgv(d), timeoutMs);
    let kname: string | null = null;
    try {
      kname = info.code === 0 ? (parseDmInfo(info.stdout)[0]?.kname ?? null) : null;
    } catch {
      kname = null;
    }
    if (kname === null) {
      // Gone or unreadable: classifyRecheck says which from the info output; nothing more to read.
      devices.push({ info, table: null, holders: null });
      break;
    }
    const holders = readDmHolders(host, kname);
    const table = await runCaptured(host, deviceTableArgv(d), timeoutMs);
    devices.push({ info, table, holders });
  }
  const complete = devices.length === target.devices.length && devices.every((d) => d.table !== null);
  const lvs = complete && target.lvs ? await runCaptured(host, lvsArgv(target.lvs), timeoutMs) : null;
  return { devices, lvs };
}
