// The next steps beside a finding that has no fix of its own, or more than one way on (keep the data or
// drop it): each step is its words and then its command alone, so every output prints the command on a
// line of its own — a copy of that line runs exactly the argv — and marks the step that deletes data.
// The `hint` sentence of the JSON (and of earlier versions) is made from the same steps. Pure.
import { shellQuote } from '../text/shell-quote';

export interface NextStep {
  /**
   * keep: keeps the data (attach it, restore it); reclaim: takes it out of the way reversibly (`pve-health
   * reclaim`: quarantine with a journal, undone by `restore`); drop: removes it; step: anything else
   * (check, stop, unlock, wait).
   */
  kind: 'keep' | 'reclaim' | 'drop' | 'step';
  /** What the step does and when, in words, without the command: "to keep it, attach it to VM 103 as unusedN". */
  text: string;
  /** The command (argv; shellQuote prints it); null for a step in words only. */
  command: string[] | null;
  /** What it removes cannot be brought back (pvesm free, zfs destroy, rbd rm, lvremove). */
  irreversible: boolean;
}

/** A step that keeps the data. */
export function keepStep(text: string, command: string[]): NextStep {
  return { kind: 'keep', text, command, irreversible: false };
}

/**
 * PVE's way to keep an unreferenced volume: its guest's rescan adds it to the config as unusedN
 * (`pct rescan` for a container, `qm disk rescan` for a VM).
 */
export function rescanCommand(type: string | null | undefined, vmid: number): string[] {
  return type === 'lxc' ? ['pct', 'rescan', '--vmid', String(vmid)] : ['qm', 'disk', 'rescan', '--vmid', String(vmid)];
}

/**
 * True where the rescan of guest `vmid` (`type`, as rescanCommand) passes over a volume of that name:
 * qemu-server update_disk_config `next if $volid =~ m/vm-$vmid-state-/` (a snapshot's or a suspend's
 * RAM state is never added as unusedN); pve-container's update_unused skips nothing by name.
 */
export function rescanSkipsName(type: string | null | undefined, vmid: number, volname: string): boolean {
  if (type === 'lxc') return false;
  // `(^|/)vm-<vmid>-state-` without a RegExp: asked for every entry of a node, one compiled per call cost
  // more than the rest of its hints.
  const needle = `vm-${vmid}-state-`;
  return volname.startsWith(needle) || volname.includes(`/${needle}`);
}

/**
 * The reversible way before an irreversible drop (issue: reclaim): `pve-health reclaim --name VOLID` plans,
 * re-checks under PVE's locks, asks, and quarantines with a journal that `restore` undoes. It refuses what
 * is not a proven orphan, with the reason: naming it here never skips a check.
 */
export function reclaimStep(volid: string): NextStep {
  return {
    kind: 'reclaim',
    text: 'to set it aside reversibly (quarantine; pve-health restore brings it back)',
    command: ['pve-health', 'reclaim', '--name', volid],
    irreversible: false,
  };
}

/**
 * The checked way to finish an interrupted removal (reclaim-scope.ts removalOffered): `pve-health reclaim
 * --purge --name VOLID` plans, takes PVE's storage lock, re-checks, asks and journals what it destroys.
 * Irreversible like the removal PVE started: nothing can restore such an image.
 */
export function finishRemovalStep(volid: string): NextStep {
  return {
    kind: 'drop',
    text: "finish the interrupted removal with pve-health's checks (PVE's storage lock, a re-check right before, the journal; irreversible)",
    command: ['pve-health', 'reclaim', '--purge', '--name', volid],
    irreversible: true,
  };
}

/**
 * The way back for a quarantined volume a guest names again: its reclaim journal (`restore --list`
 * names the journals), then `restore JOURNAL --name VOLID` renames it back under its original name.
 */
export function restoreSteps(volid: string): NextStep[] {
  return [
    keepStep('to find the reclaim journal that quarantined it', ['pve-health', 'restore', '--list']),
    keepStep('to bring it back under its name (JOURNAL: that journal)', [
      'pve-health',
      'restore',
      'JOURNAL',
      '--name',
      volid,
    ]),
  ];
}

/** A step that deletes data: marked irreversible in every output form. */
export function dropStep(text: string, command: string[]): NextStep {
  return { kind: 'drop', text, command, irreversible: true };
}

/** Any other step (check, stop the guest, unlock, words only). */
export function otherStep(text: string, command: string[] | null = null): NextStep {
  return { kind: 'step', text, command, irreversible: false };
}

/** The words every output prints before a step's command: the text, with a drop step's mark when its text lacks it. */
export function stepWords(s: Pick<NextStep, 'text' | 'irreversible'>): string {
  return s.irreversible && !/irreversible/.test(s.text) ? `${s.text} (irreversible)` : s.text;
}

/**
 * The steps as one sentence (the `hint` of the JSON): each command ends its clause, `: ` before it and
 * `; ` after it, so a copy of the clause runs exactly the argv. A step without words is another command
 * of the step before.
 */
export function stepsText(steps: readonly NextStep[]): string {
  return steps
    .map((s) => {
      if (!s.command) return stepWords(s);
      return s.text ? `${stepWords(s)}: ${shellQuote(s.command)}` : shellQuote(s.command);
    })
    .join('; ');
}

/** An entry's next steps and their sentence (its `hint`), always set together. */
export function setSteps(e: { hint?: string; steps?: NextStep[] }, steps: NextStep[]): void {
  e.steps = steps;
  e.hint = stepsText(steps);
}
