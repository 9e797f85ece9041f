// Numbers read in place from texts of thousands of lines or names.

/** The end of the run of decimal digits that starts at `i` (i itself when there is none). */
export function digitsEnd(text: string, i: number): number {
  let j = i;
  while (text.charCodeAt(j) >= 48 && text.charCodeAt(j) <= 57) j++;
  return j;
}

/** `Number(text.slice(a, b))`, without the slice when the field is a plain decimal (dmsetup's numbers are). */
export function numberIn(text: string, a: number, b: number): number {
  if (b > a && b - a <= 15) {
    let v = 0;
    let i = a;
    for (; i < b; i++) {
      const c = text.charCodeAt(i);
      if (c < 48 || c > 57) break;
      v = v * 10 + (c - 48);
    }
    if (i === b) return v;
  }
  return Number(text.slice(a, b));
}
