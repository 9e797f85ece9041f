// A finding's next steps as every output form prints them (core/vocab/next-step.ts): the words — a drop step
// marked irreversible — then the command, shell-quoted, alone on its line. Pure.

import { shellQuote } from '../text/shell-quote';
import { type NextStep, stepWords } from '../vocab/next-step';

/** A next step as every output prints it: its words, then its command (shell-quoted) alone on a line. */
export interface FindingStep {
  kind: NextStep['kind'];
  /** The words before the command, the irreversible mark included (stepWords). */
  text: string;
  command: string | null;
  irreversible: boolean;
}

/** The entry's steps as findings carry them, and its hint only where no steps say it. */
export function stepsOf(e: { hint?: string; steps?: NextStep[] }): { steps: FindingStep[]; hint: string | null } {
  if (!e.steps?.length) return { steps: [], hint: e.hint ?? null };
  return {
    hint: null,
    steps: e.steps.map((s) => ({
      kind: s.kind,
      text: stepWords(s),
      command: s.command ? shellQuote(s.command) : null,
      irreversible: s.irreversible,
    })),
  };
}

/** One command of a finding as a shortened form (-q, Nagios, Checkmk) shows it, with the words it stands under. */
export interface ShortStep {
  kind: FindingStep['kind'];
  words: string;
  command: string;
  irreversible: boolean;
}

// Commands that delete what they name, whatever words stand above them (a fix script's advice line
// says "irreversible"; these are marked even where it does not).
const DELETES =
  /^(pvesm free|lvremove|zfs destroy|rbd (rm|remove|trash rm|trash purge)|rm |pve-health reclaim --purge)/;

/**
 * The commands of a finding, the ones that keep data first: a fix script's advice lines ("# drop
 * (irreversible: deletes the data), after checking …:") become the words of the commands under them, the
 * steps keep theirs. A shortened form shows the first and, wherever it shows an irreversible one, its
 * words (issue 60: `-q` showed `lvremove …` alone as "the fix").
 */
export function shortSteps(f: { fix: string | null; steps: readonly FindingStep[] }): ShortStep[] {
  const out: ShortStep[] = [];
  let words = '';
  for (const raw of (f.fix ?? '').split('\n')) {
    const line = raw.trim();
    if (line.startsWith('#')) words = line.replace(/^#\s*/, '').replace(/:$/, '');
    else if (line)
      out.push({ kind: 'step', words, command: line, irreversible: /irreversible/.test(words) || DELETES.test(line) });
  }
  for (const s of f.steps)
    if (s.command)
      out.push({
        kind: s.kind,
        words: s.text,
        command: s.command,
        irreversible: s.irreversible || DELETES.test(s.command),
      });
  return [...out.filter((s) => !s.irreversible), ...out.filter((s) => s.irreversible)];
}

/**
 * One rule for every finding (issue 60: LVM showed one command, ZFS/RBD/files all of theirs): the first
 * command — one that keeps the data where there is one — labelled with its kind (fix, keep, reclaim, drop),
 * and how many more the full report has. An irreversible one shown keeps its words. A protected finding
 * names its protection first; it says "no fix now" only when no step is open to it.
 */
export function shortFixText(f: {
  fix: string | null;
  steps: readonly FindingStep[];
  protectedBy?: readonly string[];
  pending?: boolean;
}): string | null {
  const text = commandsText(f);
  // A pending finding's protection is the running operation, which its own words name.
  if (f.fix || f.pending || !f.protectedBy?.length) return text;
  const by = f.protectedBy.join(', ');
  return text ? `protected (${by}); ${text}` : `no fix now (protected: ${by})`;
}

function commandsText(f: { fix: string | null; steps: readonly FindingStep[] }): string | null {
  const all = shortSteps(f);
  if (!all.length) return null;
  const first = all[0];
  const kind = first.kind === 'step' ? 'fix' : first.kind;
  const more = all.length > 1 ? ` (+${all.length - 1} more in the full report)` : '';
  if (!first.irreversible) return `${kind}: ${first.command}${more}`;
  // No step keeps the data: the irreversible one keeps its words (its label and what to check first).
  const label = /irreversible/.test(first.words)
    ? first.words
    : `${first.words ? `${first.words} ` : ''}(irreversible)`;
  return `${kind}: ${label}: ${first.command}${more}`;
}

/**
 * Every command of a finding (its fix's lines, then its steps' commands; any part: volumes too), each a
 * line of its own that runs as it stands: what it is follows as a shell comment (`  # keep`, `  # drop
 * (irreversible)`), so a pasted line runs only the command. Nagios and Checkmk print them under the
 * finding (issue 60: they were flattened into one line that could not run, and volumes had none). A
 * command a monitoring line cannot carry (a backslash, `|`, a line break) is named, not mangled.
 */
export function commandLines(f: { fix: string | null; steps: readonly FindingStep[] }): string[] {
  return shortSteps(f).map((s) => {
    if (/[\\|\r\n]/.test(s.command)) return '# a command with characters this format cannot carry: see the full report';
    const label =
      s.kind === 'step'
        ? s.irreversible
          ? 'irreversible'
          : ''
        : `${s.kind}${s.irreversible ? ' (irreversible)' : ''}`;
    return label ? `${s.command}  # ${label}` : s.command;
  });
}
