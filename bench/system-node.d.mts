/** The node a host with nodejs runs the bundle with: the first on PATH outside node_modules (or BENCH_NODE). */
export function systemNode(): string;
