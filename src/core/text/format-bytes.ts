// The one byte formatter of every output (text, HTML report, dashboard, findings' sentences): binary
// units, one decimal below 100 ("32.0 GiB", "4.5 MiB"), whole numbers from 100 on ("208 GiB").
// The dashboard never formats sizes itself: the server sends these strings (src/render/dashboard-view.ts).
export function formatBytes(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '?';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let v = n;
  let i = 0;
  while (Math.abs(v) >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(Math.abs(v) >= 100 ? 0 : 1)} ${units[i]}`;
}
