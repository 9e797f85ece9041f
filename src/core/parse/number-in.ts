// A number field read in place from a text of thousands of lines.

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
