// `restore JOURNAL` for a reclaim journal: every quarantined volume back under its original name
// (core/reclaim/plan-unquarantine.ts decides from the journal and a fresh look), through the same
// executor, locks, re-check and journal as the quarantine (src/act/apply-reclaim.ts).
import { regather } from '../act/action-steps';
import type { Analysis } from '../act/analyze-host';
import { applyReclaim } from '../act/apply-reclaim';
import type { JournalDoc } from '../act/journal';
import { hostCommands, readVolumesLook } from '../act/reclaim-look';
import { partialListings } from '../core/reclaim/partial-listings';
import {
  groupRecords,
  planUnquarantine,
  type RestoreRecord,
  type UnquarantineFacts,
} from '../core/reclaim/plan-unquarantine';
import { recordSubject } from '../core/reclaim/quarantined';
import type { ReclaimAction } from '../core/reclaim/reclaim-types';
import { commandText } from '../core/text/shell-quote';
import { CheckError } from '../core/vocab/errors';
import { subjectOf } from '../core/vocab/volume-subject';
import type { Host } from '../host/host';
import { renderReclaimSummary } from '../render/reclaim';
import { wrapText } from '../render/wrap';
import { withActSession, withJournal } from './act-session';
import type { CommandContext } from './command';

/** The journal's quarantine steps as the planner reads them. */
export function quarantineRecords(doc: JournalDoc): RestoreRecord[] {
  return doc.actions.flatMap((a) =>
    a.kind === 'reclaim' && a.reclaim
      ? [{ ...a.reclaim, storage: a.storage ?? '', vmid: a.vmid, guestType: a.guestType, result: a.result }]
      : [],
  );
}

export async function restoreReclaim(
  ctx: CommandContext,
  o: { host: Host; path: string; doc: JournalDoc; names: string[]; interactive: boolean; lockWaitMs: number },
): Promise<number> {
  const { host } = o;
  // A volume by its volume ID, an adopted trash entry also by the name the quarantine lists print.
  const all = groupRecords(quarantineRecords(o.doc));
  const names = (g: RestoreRecord[]) => [g[0].volid, recordSubject(g[0])];
  const groups = all.filter((g) => o.names.length === 0 || names(g).some((n) => o.names.includes(n)));
  // A name this journal does not hold is said, not passed over in silence (exit 1: not brought back).
  const strays = o.names.filter((n) => !all.some((g) => names(g).includes(n)));
  const width = ctx.global.format === 'json' ? 0 : ctx.global.width;
  return withActSession(ctx, { host, command: 'restore', runLock: true }, async (s) => {
    s.assertSafe();
    if (o.doc.node !== s.first.view.node)
      throw new CheckError(`${o.path} was written on ${o.doc.node}, this is ${s.first.view.node}: refusing to restore`);
    const facts = async (a: Analysis): Promise<UnquarantineFacts> => {
      const look = await readVolumesLook(host, a);
      return {
        storages: a.view.pve.storageConfig,
        lvs: a.view.lvm.lvs,
        volumes: look.volumes.entries,
        commands: hostCommands(host),
        datasets: look.datasets,
        unlisted: new Map(
          partialListings({ dm: a.result.entries, lvs: a.view.lvm.lvs, volumes: look.volumes }).map((x) => [
            x.storage,
            x.why,
          ]),
        ),
      };
    };
    const first = await facts(s.first);
    const undos = groups.map((g) => planUnquarantine(g, first));
    const actions: ReclaimAction[] = [];
    let text = `To bring back from ${o.path}:\n`;
    for (const n of strays)
      text += `${wrapText(`${n}: not in this journal (it holds ${all.map((g) => recordSubject(g[0])).join(', ') || 'nothing'})`, width, '  ', '      ')}\n`;
    undos.forEach((u, i) => {
      const subject = recordSubject(groups[i][0]);
      if (!u.ok) {
        text += `${wrapText(`${subject}: not undone: ${u.why}`, width, '  ', '      ')}\n`;
        return;
      }
      actions.push(subject === u.action.volid ? u.action : { ...u.action, subject });
      // An adopted trash entry comes back as the live image of its name (docs/reclaim.md says why).
      const back = subject === u.action.volid ? '' : `; back as the live image ${u.action.volid}`;
      text += `${wrapText(`${subject} (in quarantine as ${u.action.quarantine} since ${u.action.since}${back}):`, width, '  ', '      ')}\n`;
      for (const st of u.action.steps) text += `      ${commandText(st.command)}\n`;
    });
    s.say(text);
    const { result: outcomes, journalPath } = await withJournal(
      s,
      { command: 'restore', interactive: o.interactive, lockWaitMs: o.lockWaitMs },
      ({ steps, ask }) =>
        applyReclaim(actions, {
          ...steps,
          kind: 'unquarantine',
          confirm:
            ask &&
            ((a, i, n) =>
              ask(
                {
                  effect: `bring back ${a.volid}${a.steps
                    .slice(0, -1)
                    .map((x) => `\n    ${commandText(x.command)}`)
                    .join('')}`,
                  command: a.steps[a.steps.length - 1].command,
                },
                i,
                n,
              )),
          replan: async (a) => {
            const fresh = await facts(await regather(steps, `bringing back ${a.volid}`));
            const g = groups.find((x) => x[0].volid === a.volid);
            const u = g ? planUnquarantine(g, fresh) : null;
            return u?.ok ? { action: u.action } : { why: u && !u.ok ? u.why : 'not in the journal' };
          },
        }),
    );
    // One outcome per action, in order (confirmEach): each named as its plan line named it.
    const named = outcomes.map((x, i) => ({ ...x, volid: subjectOf(actions[i]) }));
    s.say(renderReclaimSummary(named, { width, journal: journalPath }).replace(/quarantined/g, 'brought back'));
    const refused = undos.some((u) => !u.ok) || strays.length > 0;
    const ran = outcomes.some((x) => x.result === 'failed')
      ? 2
      : refused || outcomes.some((x) => x.result !== 'done')
        ? 1
        : 0;
    // A volume not judged because its storage was not listed whole: could not check (3), as reclaim.
    const status = Math.max(ran, undos.some((u) => !u.ok && u.unchecked) ? 3 : 0);
    if (ctx.global.format === 'json')
      ctx.io.out(`${JSON.stringify({ journal: journalPath, undos, outcomes, status }, null, 2)}\n`);
    return status;
  });
}
