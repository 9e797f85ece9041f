// Fitting console text to the terminal (the CLI decides the width: COLUMNS, the TTY, or 0 for none).
// Prose wraps at word boundaries with a hanging indent; a command is never wrapped (a copied line must
// run as it is), and a table gives its last column what is left. Pure.

/** Visible length: colour escapes take no column. */
export function visibleLength(s: string): number {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: SGR escapes are what we skip
  return s.replace(/\u001b\[[0-9;]*m/g, '').length;
}

/**
 * The words of a paragraph; a command quoted in prose ('qm disk rescan --vmid 150', `pct fstrim 110`)
 * is one word, so that it is never broken across lines and a copy of it runs as it is. A quote opens
 * only at the start of a word (the apostrophe of "node's" opens nothing) and closes before a space,
 * punctuation or the end.
 */
const WORD = /[([]?(['`])[^'`\n]+?\1(?=[\s,.;:!?)\]]|$)\S*|\S+/g;

function wordsOf(text: string): string[] {
  return text.match(WORD) ?? [''];
}

/**
 * Wrap one paragraph to `width` columns (0: as it is). The first line starts with `indent`, the
 * following ones with `hang` (default: the same indent). A word longer than a line stays whole.
 */
export function wrapText(text: string, width: number, indent = '', hang = indent): string {
  if (!width || visibleLength(indent + text) <= width) return indent + text;
  const lines: string[] = [];
  let line = indent;
  let empty = true;
  for (const word of wordsOf(text)) {
    const room = visibleLength(line) + (empty ? 0 : 1) + visibleLength(word);
    if (!empty && room > width) {
      lines.push(line);
      line = hang + word;
    } else line = empty ? line + word : `${line} ${word}`;
    empty = false;
  }
  lines.push(line);
  return lines.join('\n');
}

/** The width help text is fitted to, whatever the terminal: 80 columns, as man pages and most CLIs. */
export const HELP_WIDTH = 80;

/**
 * Fit help text to HELP_WIDTH: a usage line breaks before an option group ("[--json|…]"), a table row
 * ("  --from FILE   Analyse …") continues under its description column, an example whose trailing
 * comment makes it too long gets the comment on the line above (the command stays whole and
 * copyable), anything else wraps at words under its own indent.
 */
export function fitHelp(text: string, width = HELP_WIDTH): string {
  return reflowProse(text.split('\n'), width)
    .map((line) => (line.length <= width ? line : fitHelpLine(line, width)))
    .join('\n');
}

/** Prose: a line at the margin that is no usage line and no heading ("Options:"). */
function isProse(line: string): boolean {
  return /^\S/.test(line) && !line.startsWith('Usage: ') && !/:$/.test(line);
}

/** A table row: "  --from FILE   Analyse …" (name, two spaces or more, description). */
const ROW = /^(\s+\S(?:\S| (?! ))*\s{2,})(\S.*)$/;

/** How a line of `block` would continue it: prose under prose, a row's text under its description column. */
function continues(line: string, first: string, width: number): boolean {
  if (isProse(first)) return isProse(line);
  const row = ROW.exec(first);
  if (!row || row[1].length >= width / 2) return false;
  return line.startsWith(' '.repeat(row[1].length)) && /^\S/.test(line.slice(row[1].length));
}

/**
 * A sentence of prose or of a table row's description with a line too long is joined before it is
 * wrapped: wrapping each source line alone leaves a stub after every long one ("… /etc/pve" /
 * "configs, processes)" / "to FILE …"). A sentence that ends a source line keeps its line break.
 */
function reflowProse(lines: string[], width: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < lines.length; ) {
    let j = i + 1;
    while (j < lines.length && continues(lines[j], lines[i], width) && !/[.!?]$/.test(lines[j - 1])) j++;
    const block = lines.slice(i, j);
    if (block.length > 1 && block.some((l) => l.length > width))
      out.push([block[0], ...block.slice(1).map((l) => l.trim())].join(' '));
    else out.push(...block);
    i = j;
  }
  return out;
}

function fitHelpLine(line: string, width: number): string {
  const usage = /^(Usage: \S+ \S+ )(.*)$/.exec(line);
  if (usage) {
    const hang = ' '.repeat(usage[1].length);
    const out: string[] = [];
    let cur = usage[1].trimEnd();
    for (const group of usage[2].split(/ (?=\[)/)) {
      if (cur.length + 1 + group.length > width && cur.trim() !== '') {
        out.push(cur);
        cur = hang + group;
      } else cur = `${cur} ${group}`;
    }
    out.push(cur);
    return out.join('\n');
  }
  const example = /^(\s+)(pve-health .*?)\s{2,}(# .*)$/.exec(line);
  if (example) return `${example[1]}${example[3]}\n${example[1]}${example[2]}`;
  // An example command stays whole however long: a copied line must run as it is.
  if (/^\s+pve-health /.test(line)) return line;
  const row = ROW.exec(line);
  if (row && row[1].length < width / 2) return wrapText(row[2], width, row[1], ' '.repeat(row[1].length));
  const indent = /^\s*/.exec(line)![0];
  return wrapText(line.trimStart(), width, indent, indent);
}
