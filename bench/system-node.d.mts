/** The node a host with nodejs runs the bundle with: the first on PATH outside node_modules (or BENCH_NODE). */
export function systemNode(): string;
/** Where `npm run bench` installs Node `major` under its work directory (.bench/node-<major>). */
export function benchNodeBin(work: string, major: string): string;
