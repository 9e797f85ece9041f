// Values under two names at once — an LV by (VG, LV name), or by (VG id, LV id) — kept in two steps.
// A node has thousands of LVs in a handful of VGs: looking up two strings it already has costs less than
// building (and hashing) a `vg/lv` or `<vg id><lv id>` string for every device and every LV.

export type TwoKeys<T> = Map<string, Map<string, T>>;

export function getTwo<T>(m: TwoKeys<T>, a: string, b: string): T | undefined {
  return m.get(a)?.get(b);
}

export function setTwo<T>(m: TwoKeys<T>, a: string, b: string, value: T): void {
  let inner = m.get(a);
  if (!inner) {
    inner = new Map();
    m.set(a, inner);
  }
  inner.set(b, value);
}
