// Sorting text the same way on every node: by UTF-16 code units, as `<` does. `localeCompare` ordered by
// the locale's collation (case and punctuation folded: "pve-b" beside "pve_B"), which differs with the
// ICU a Node build ships, and it paged the collation tables (about 4 MB of the node binary) into a
// service that only needs a stable order. Pure.
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
