// The characters no output shows raw, and no printed command holds raw: on a terminal, in a mail client
// or an editor they move or recolour the screen (C0/C1 controls, DEL), break the line (U+2028/U+2029),
// reorder what is shown (the bidi controls: U+061C, U+200E/F, U+202A-E, U+2066-9), or show nothing at all
// (Unicode's Default_Ignorable_Code_Point, DerivedCoreProperties.txt: U+00AD soft hyphen, U+034F, U+115F,
// U+3164 Hangul fillers, zero-width spaces and joiners, U+FE00-FE0F variation selectors, U+FEFF, the tag
// characters U+E0000-E0FFF, …). A name holding one reads exactly like another name, so an orphan could
// pass for a real disk. Display text shows each as a visible escape (render/sanitize.ts); a printed
// command holds each as bash's `$'\xHH'` bytes (shell-quote.ts), never as a display escape. Pure.

/** One such character (test with a fresh `.test`, or use UNSAFE_CHARS_ALL to replace). */
export const UNSAFE_CHAR = /[\p{Cc}\p{Bidi_Control}\p{Default_Ignorable_Code_Point}\u2028\u2029]/u;

/** Every such character, for String.replace. */
export const UNSAFE_CHARS_ALL = new RegExp(UNSAFE_CHAR.source, 'gu');

/** Whether a string holds one (a regex with the `g` flag keeps state between calls; this one has none). */
export function hasUnsafeChar(s: string): boolean {
  return UNSAFE_CHAR.test(s);
}
