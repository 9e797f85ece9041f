// Fitting console text to the terminal (the CLI decides the width: COLUMNS, the TTY, or 0 for none).
// Prose wraps at word boundaries with a hanging indent; a command is never wrapped (a copied line must
// run as it is), and a table gives its last column what is left. Pure.

/** Visible length: colour escapes take no column. */
export function visibleLength(s: string): number {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: SGR escapes are what we skip
  return s.replace(/\u001b\[[0-9;]*m/g, '').length;
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
  for (const word of text.split(/ +/)) {
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
