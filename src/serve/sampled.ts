// A figure read at most once per period, for what every request would otherwise read anew: the
// service's own memory and CPU (process.memoryUsage walks the V8 heap, readProcessStats lists
// /proc/self/fd) and the acknowledgements file's stat. Profiled under 20 concurrent clients, these
// reads were half of the service's CPU per request; a second-old figure says the same to a dashboard
// that polls every 10 s or a Prometheus that scrapes every 15 s.

export const SAMPLE_PERIOD_MS = 1000;

export function sampled<T>(read: () => T, periodMs = SAMPLE_PERIOD_MS, now = () => performance.now()): () => T {
  let at = 0;
  let seen = false;
  let value: T;
  return () => {
    const t = now();
    // A clock that went back (a test's clock, a restored VM) reads again rather than keep a value forever.
    if (!seen || !(t - at < periodMs) || t < at) {
      seen = true;
      value = read();
      at = t;
    }
    return value;
  };
}
