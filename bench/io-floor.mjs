// The I/O floor of `dm --json --from SNAPSHOT` (bench/run.mjs prints it beside the real run): a node
// process that reads the same snapshot, parses it, pretty-prints it and writes it to stdout. No tool can
// answer from a snapshot in less: what the analysis costs is its time above this.
import { readFileSync } from 'node:fs';

const text = readFileSync(process.argv[2], 'utf8');
process.stdout.write(`${JSON.stringify(JSON.parse(text), null, 2)}\n`);
