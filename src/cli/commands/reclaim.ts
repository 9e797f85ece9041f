// pve-health reclaim: plan → show → confirm → quarantine (src/act/apply-reclaim.ts) → summary; with
// --purge, the same for what has been in quarantine past its retention. `restore JOURNAL` undoes a
// quarantine. The session, journal, prompts, locks and re-checks are clean's (act-session.ts).

import { regather } from '../../act/action-steps';
import type { Analysis } from '../../act/analyze-host';
import { applyReclaim } from '../../act/apply-reclaim';
import { hostCommands, nodeRefusals, readVolumesFor, reclaimInput } from '../../act/reclaim-look';
import { analyzeNode } from '../../core/analyze/analyze-node';
import { checkSafety, safetyFacts } from '../../core/cleanup/check-safety';
import { storageConfigAsSeen } from '../../core/node/vg-reach';
import { partialListings } from '../../core/reclaim/partial-listings';
import { planPurge } from '../../core/reclaim/plan-purge';
import { type PlanFilter, planReclaim, type ReclaimInput } from '../../core/reclaim/plan-reclaim';
import { recheckStep } from '../../core/reclaim/recheck-step';
import type { ReclaimAction, ReclaimRefusal } from '../../core/reclaim/reclaim-types';
import { commandText } from '../../core/text/shell-quote';
import { CheckError, UsageError } from '../../core/vocab/errors';
import { volidsNamedElsewhere } from '../../core/vocab/only-copy';
import { subjectOf } from '../../core/vocab/volume-subject';
import { renderReclaimPlan, renderReclaimSummary } from '../../render/reclaim';
import { liveHost, lockWaitMs, sayFor, undoCommand, withActSession, withJournal } from '../act-session';
import { type CommandContext, defineCommand } from '../command';
import { volumesPart } from '../gather-parts';
import { loadFor, openSession, viewOf } from '../node-session';
import type { OptionSpec } from '../options';
import { recordedQuarantines } from '../quarantine-listing';
import { CLEAN_OPTIONS, hasFilter, parseFilter } from './clean';

const RECLAIM_OPTIONS = { ...CLEAN_OPTIONS, purge: { type: 'boolean' } } as const satisfies OptionSpec;

export const reclaimCommand = defineCommand({
  name: 'reclaim',
  usage: 'reclaim [--purge] [--dry-run] [--yes] [--all | --vmid N | --reason CODE | --name VOLID]...',
  globals: ['root', 'from', 'demo', 'format', 'json', 'no-color', 'config'],
  formats: ['text', 'json'],
  examples: [
    '# what would be quarantined, what is refused and why, and what is',
    '# in quarantine:',
    'reclaim --dry-run',
    'reclaim --demo --dry-run     # the same on the demo node',
    'reclaim --name local-zfs:vm-105-disk-0',
    'reclaim --vmid 105 --yes',
    'reclaim --purge --dry-run    # what is past its retention',
  ],
  help: `Options:
  --dry-run         Show the plan and the exact commands, change nothing (also with --demo or --from FILE)
  --purge           Destroy what has been in quarantine longer than [reclaim] retention_days (default 7),
                    and finish an interrupted Ceph removal (an rbd rm that stopped: nothing restores it)
  -y, --yes         Do not ask (needs --all or a filter)
  --all             Every proven orphan (with --purge: everything past its retention, every interrupted
                    removal)
  --vmid N          Only volumes of guest N (repeatable)
  --reason CODE     Only orphans with this reason, e.g. guest-missing (repeatable)
  --name VOLID      Only this volume ID, LV or DM name (repeatable)
  --lock-wait SEC   How long to wait for a PVE guest or storage lock (default 10)

Quarantines proven orphans reversibly, by what each storage offers: LVM/LVM-thin deactivate, tag and
rename; ZFS rename into <pool>/pve-health-quarantine, read-only; Ceph RBD rename, then the trash with
the purge date as expiry; files rename(2) into <path>/images/pve-health-quarantine (never a copy). PVE
then lists none of them as the VMID's. Refuses every volume that is valid, pending, protected,
unknown, a replica, a base with clones, has a snapshot in use, lies on a disabled or unreadable
storage, or on a node without a healthy quorate /etc/pve. Every step is journaled; 'restore JOURNAL'
brings each volume back under its original name. An interrupted Ceph removal is never quarantined
(librbd restores none): --purge finishes it under the storage lock, after the same re-check.
Exit code: 0 done, 1 something skipped or declined, 2 a step failed, 3 refused/could not check; a
volume named with --name that is refused: 1 (3 when it could not be judged).`,
  options: RECLAIM_OPTIONS,
  run: runReclaim,
});

type Plan = ReturnType<typeof planReclaim>;

type Mode = 'quarantine' | 'purge';

function plan(input: ReclaimInput, filter: PlanFilter, mode: Mode): Plan {
  return mode === 'purge' ? planPurge(input, filter) : planReclaim(input, filter);
}

async function runReclaim(ctx: CommandContext<typeof RECLAIM_OPTIONS>): Promise<number> {
  const v = ctx.values;
  const dry = Boolean(v['dry-run']);
  const purge = Boolean(v.purge);
  const mode: Mode = purge ? 'purge' : 'quarantine';
  const filter = parseFilter(v);
  if (dry && (ctx.global.demo || ctx.global.from)) return dryRunOffline(ctx, { filter, purge });
  const host = liveHost(ctx);
  const yes = Boolean(v.yes);
  const interactive = !yes && ctx.io.stdinIsTTY;
  if (!dry && yes && !hasFilter(filter))
    throw new UsageError('--yes needs --all or a filter (--vmid N, --reason CODE, --name VOLID)');
  if (!dry && !interactive && !yes)
    throw new UsageError(
      'not a terminal: give --yes together with --all or a filter (--vmid, --reason, --name), or use --dry-run',
    );
  const wait = lockWaitMs(v);
  const width = ctx.global.format === 'json' ? 0 : ctx.global.width;
  const json = (doc: object) => ctx.global.format === 'json' && ctx.io.out(`${JSON.stringify(doc, null, 2)}\n`);
  return withActSession(ctx, { host, command: 'reclaim', runLock: !dry }, async (s) => {
    const now = host.now();
    const commands = hostCommands(host);
    // What the journals recorded: the proof that pve-health quarantined what has a quarantine name
    // (core/reclaim/quarantine-proof.ts), and the sizes as it went in (an RBD image in the trash lists none).
    const recorded = recordedQuarantines(host);
    const look = async (a: Analysis) =>
      reclaimInput(a, {
        volumes: await readVolumesFor(host, a),
        config: s.config,
        now,
        refusals: nodeRefusals(host, a),
        commands,
        recorded,
      });
    const first = await look(s.first);
    const p = plan(first, hasFilter(filter) ? filter : { all: true }, mode);
    s.say(renderReclaimPlan(p, { width, purge }));
    // A storage not seen whole: what it left out is not in the plan, so the exit code says "could not check".
    const partial = partialListings(first);
    for (const x of partial) ctx.io.err(`pve-health: reclaim could not see ${x.storage} whole: ${x.why}\n`);
    const named = Math.max(namedRefusalStatus(p, filter), partial.length ? 3 : 0);
    if (dry) {
      const status = Math.max(first.nodeRefusals.length ? 3 : 0, named);
      if (first.nodeRefusals.length)
        ctx.io.err(`pve-health: reclaim would refuse to act: ${first.nodeRefusals.join('; ')}\n`);
      json({ plan: p, status, refusals: first.nodeRefusals, partial });
      return status;
    }
    s.assertSafe();
    if (p.actions.length === 0) {
      json({ plan: p, outcomes: [], journal: null, status: named, partial });
      return named;
    }
    const { result: outcomes, journalPath } = await withJournal(
      s,
      { command: 'reclaim', interactive, lockWaitMs: wait },
      ({ steps, ask }) =>
        applyReclaim(p.actions, {
          ...steps,
          kind: purge ? 'purge' : 'reclaim',
          confirm: ask && ((a, i, n) => ask(question(a, mode), i, n)),
          replan: async (a, done) => {
            const analysis = await regather(steps, `${purge ? 'purging' : 'quarantining'} ${subjectOf(a)}`);
            const again = plan(await look(analysis), { names: [subjectOf(a)] }, mode);
            return recheckStep(a, done, { plan: again, pve: analysis.view.pve });
          },
        }),
    );
    s.say(
      // One outcome per action, in order (confirmEach): each named by its action's subject.
      renderReclaimSummary(
        outcomes.map((x, i) => ({ ...x, volid: subjectOf(p.actions[i]) })),
        {
          width,
          purge,
          journal: journalPath,
          undo: journalPath ? undoCommand(ctx, journalPath) : undefined,
        },
      ),
    );
    const ran = outcomes.some((o) => o.result === 'failed')
      ? 2
      : outcomes.some((o) => o.result === 'skipped' || o.result === 'declined')
        ? 1
        : 0;
    const status = Math.max(ran, named);
    json({ plan: p, outcomes, journal: journalPath, status, partial });
    return status;
  });
}

/** Refusals that mean the volume could not be judged (UNKNOWN), not that it must be left alone. */
const UNCHECKED: ReadonlySet<ReclaimRefusal['code']> = new Set(['unknown', 'storage-unavailable', 'node']);

/**
 * The exit code the refusals of volumes named with --name add: the admin asked for exactly those, so a
 * refusal is not success. 1 ("something skipped or declined": the plan leaves it, with its reason) for
 * a volume that must be left alone (valid, pending, protected, …); 3 for one that could not be checked.
 * Refusals under --all, --vmid or --reason are the plan's report, not a request: they add nothing.
 */
export function namedRefusalStatus(
  p: { actions: { volid: string }[]; refused: ReclaimRefusal[] },
  filter: PlanFilter,
): number {
  if (filter.all || !filter.names?.length) return 0;
  // With --name every entry of the plan is one named (by volume ID, LV, DM name, `VOLID@snap`); the
  // snapshots of a volume that is quarantined move with it and are no refusal of what was asked.
  const planned = new Set(p.actions.map((a) => a.volid));
  const hit = p.refused.filter((r) => !(r.code === 'snapshot' && planned.has(r.volid.replace(/@[^@]*$/, ''))));
  if (hit.some((r) => UNCHECKED.has(r.code))) return 3;
  return hit.length ? 1 : 0;
}

/** The question of one volume: every step but the last in the effect, the last as the command. */
function question(a: ReclaimAction, mode: Mode): { effect: string; command: string[] } {
  const head = `${mode === 'purge' ? 'purge (irreversible)' : 'quarantine'} ${subjectOf(a)}`;
  const before = a.steps.slice(0, -1).map((s) => `\n    ${commandText(s.command)}`);
  return { effect: `${head}${before.join('')}`, command: a.steps[a.steps.length - 1].command };
}

/** --dry-run with --demo or --from: the plan from that data, said to be one (no pmxcfs mount to check). */
async function dryRunOffline(
  ctx: CommandContext<typeof RECLAIM_OPTIONS>,
  o: { filter: PlanFilter; purge: boolean },
): Promise<number> {
  const session = openSession(ctx);
  const loaded = await loadFor(ctx, session);
  const view = viewOf(loaded);
  const say = sayFor(ctx);
  const width = ctx.global.format === 'json' ? 0 : ctx.global.width;
  const what = ctx.global.demo ? 'the demo node' : `the snapshot ${ctx.global.from}`;
  let result: ReturnType<typeof analyzeNode> | null = null;
  const unchecked: string[] = [];
  try {
    result = analyzeNode(view, session.config);
  } catch (e) {
    if (!(e instanceof CheckError)) throw e;
    unchecked.push(`device-mapper: ${e.message}`);
  }
  const volumes = (await volumesPart(session.host, loaded, { required: true })) ?? null;
  if (volumes?.error) unchecked.push(`volumes: ${volumes.error}`);
  const refusals = result
    ? checkSafety(safetyFacts(view, result, { mounted: true, detail: '' })).map((r) => r.message)
    : [];
  const input: ReclaimInput = {
    node: view.node,
    now: session.host.now(),
    retentionDays: session.config.reclaim?.retention_days ?? 7,
    storages: storageConfigAsSeen(view),
    dm: result?.entries ?? null,
    lvs: view.lvm.lvs,
    volumes,
    nodeRefusals: refusals,
    namedElsewhere: volidsNamedElsewhere(view.pve.guests.values(), view.node),
    commands: hostCommands(session.host),
  };
  const p = plan(input, hasFilter(o.filter) ? o.filter : { all: true }, o.purge ? 'purge' : 'quarantine');
  say(
    `${`Dry run on ${what} (${view.node}): nothing is changed; on a live node 'reclaim' re-checks every volume under PVE's locks first.`}\n`,
  );
  say(renderReclaimPlan(p, { width, purge: o.purge }));
  for (const x of partialListings(input))
    if (!unchecked.some((u) => u.startsWith(`${x.storage}: `))) unchecked.push(`${x.storage}: ${x.why}`);
  if (unchecked.length) say(`Not checked, so nothing is planned from it: ${unchecked.join('; ')}\n`);
  const status = unchecked.length || refusals.length ? 3 : 0;
  if (ctx.global.format === 'json')
    ctx.io.out(`${JSON.stringify({ plan: p, status, unchecked, refusals }, null, 2)}\n`);
  return status;
}
