// `pve-health cluster` when one node answers with something hostile or broken, as a table: node
// document × fault × output form. The node that answered badly is UNKNOWN with the reason, the
// other node is reported as usual, the exit is the cluster's (3, or 2 when a node is CRITICAL
// anyway), stdout is never empty, the --textfile is written, and no raw control character from the
// remote node reaches the output (one terminal sanitiser, src/render/sanitize.ts terminalText).
// Every fault runs JSON (the full assertions) and one other form, rotating so each form meets every
// kind of fault across the table (each run checks a node in-process and one over ssh: seconds).
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { hasFakenode, runCli, SHARED } from '../helpers/cli';
import { buildCluster, type FakeCluster, type PrintedAnswer } from './fake-cluster';

const skip = hasFakenode ? false : `fakenode not found under ${SHARED}`;

type Doc = Record<string, any>;

interface Fault {
  name: string;
  /** pve2's answer, from its real `check --json` document. */
  answer: (real: string, doc: Doc) => PrintedAnswer;
  /** pve2's expected state: an error kind and its reason, or a status when the document is believed. */
  expect: { kind: string; why: RegExp } | { status: number };
}

const edit = (doc: Doc, change: (d: Doc) => void): string => {
  const d = structuredClone(doc);
  change(d);
  return JSON.stringify(d);
};

const FAULTS: Fault[] = [
  {
    name: 'junk with control characters',
    answer: () => ({ text: '\u0000\u0001\u001b[2J\u001b]0;owned\u0007<html>502 Bad Gateway</html>\n}{' }),
    expect: { kind: 'bad-output', why: /it is not JSON/ },
  },
  {
    name: 'truncated JSON',
    answer: (real) => ({ text: real.slice(0, Math.floor(real.length / 2)) }),
    expect: { kind: 'bad-output', why: /it is not JSON/ },
  },
  {
    name: 'truncated JSON with exit 3',
    answer: (real) => ({ text: real.slice(0, 200), code: 3 }),
    expect: { kind: 'bad-output', why: /it is not JSON/ },
  },
  {
    name: 'a JSON list',
    answer: () => ({ text: '[1, 2, 3]\n' }),
    expect: { kind: 'bad-output', why: /not a JSON object/ },
  },
  {
    name: 'DM entries that are not a list',
    answer: (_, d) => ({ text: edit(d, (x) => void (x.dm.entries = 5)) }),
    expect: { kind: 'bad-output', why: /dm\.entries is not a list/ },
  },
  {
    name: 'a DM entry field of another type',
    answer: (_, d) => ({ text: edit(d, (x) => void (x.dm.entries[0].active = 'yes')) }),
    expect: { kind: 'bad-output', why: /dm\.entries\[0\]\.active is not a boolean/ },
  },
  {
    name: 'a status out of range',
    answer: (_, d) => ({ text: edit(d, (x) => void (x.status = 7)) }),
    expect: { kind: 'bad-output', why: /its status 7 is not 0-3/ },
  },
  {
    name: 'a volumes part of another shape',
    answer: (_, d) => ({ text: edit(d, (x) => void (x.volumes = { status: 0, entries: 'none' })) }),
    expect: { kind: 'bad-output', why: /volumes\.entries is not a list/ },
  },
  {
    name: 'huge (more than 64 MiB)',
    answer: () => ({ text: Buffer.alloc(1024 * 1024, 0x20), repeat: 70 }),
    expect: { kind: 'bad-output', why: /printed more than 64 MiB/ },
  },
  {
    name: 'the name of another node of the cluster',
    answer: (_, d) => ({ text: edit(d, (x) => void (x.node = 'pve1')) }),
    expect: { kind: 'wrong-node', why: /reports node name 'pve1', the name of another node of this cluster/ },
  },
  {
    name: 'a name with control characters',
    answer: (_, d) => ({ text: edit(d, (x) => void (x.node = 'pve2\u001b[31m\u0007')) }),
    expect: {
      kind: 'wrong-node',
      why: /reports node name 'pve2\\x1b\[31m\\x07'|reports node name 'pve2\u001b\[31m\u0007'/,
    },
  },
  { name: 'nothing, exit 0', answer: () => ({ text: '' }), expect: { kind: 'check-failed', why: /failed \(exit 0\)/ } },
  // Believed, but never better than its parts: a document saying OK over a CRITICAL DM part is CRITICAL.
  {
    name: 'a status better than its parts',
    answer: (_, d) => ({ text: edit(d, (x) => void (x.status = 0)) }),
    expect: { status: 2 },
  },
];

type Format = 'text' | 'json' | 'nagios' | 'checkmk' | 'prometheus';
const FORMATS: Format[] = ['text', 'json', 'nagios', 'checkmk', 'prometheus'];

const RAW_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

/** pve2's line in each form: UNKNOWN with the error kind (the reason is checked in JSON and text). */
function assertNode(format: Format, out: string, f: Fault): void {
  const e = f.expect;
  const word = 'kind' in e ? 'UNKNOWN' : 'CRITICAL';
  const kind = 'kind' in e ? e.kind : '';
  switch (format) {
    case 'json': {
      const d = JSON.parse(out);
      const pve2 = d.nodes.find((n: Doc) => n.node === 'pve2');
      const pve1 = d.nodes.find((n: Doc) => n.node === 'pve1');
      assert.equal(pve1.error, undefined, 'the other node is checked as usual');
      assert.equal(pve1.status, 1);
      if ('kind' in e) {
        assert.equal(pve2.status, 3);
        assert.equal(pve2.error.kind, e.kind);
        assert.match(pve2.error.message, e.why);
        assert.equal(pve2.grade, null);
        assert.ok(d.findings.some((x: Doc) => x.nodes.includes('pve2') && x.severity === 'unknown'));
      } else assert.equal(pve2.status, e.status);
      return;
    }
    case 'text':
      assert.match(out, new RegExp(`\\npve2 +192\\.0\\.2\\.12 +${word} +`));
      assert.match(out, /\npve1 +local +WARNING +B +grade B/);
      if ('kind' in e) assert.match(out, new RegExp(`${kind}: `));
      return;
    case 'nagios':
      assert.match(out, new RegExp(`^\\[${word}\\] pve2: ${kind}`, 'm'));
      assert.match(out, /^\[WARNING\] pve1: grade B/m);
      return;
    case 'checkmk':
      assert.match(out, new RegExp(`^${'kind' in e ? 3 : 2} "PVE-Health cluster node pve2" - ${word}: ${kind}`, 'm'));
      assert.match(out, /^1 "PVE-Health cluster node pve1" - WARNING: grade B/m);
      return;
    case 'prometheus':
      assert.match(
        out,
        new RegExp(
          `^pve_health_cluster_node_status\\{node="pve2",error="${kind}",id="node/pve2"\\} ${'kind' in e ? 3 : 2}$`,
          'm',
        ),
      );
      assert.match(out, /^pve_health_cluster_node_status\{node="pve1",error="",id="node\/pve1"\} 1$/m);
      assert.match(out, /^pve_health_cluster_scan_ok 1$/m);
  }
}

describe('cluster: a node that answers with something hostile or broken (document × fault × format)', { skip }, () => {
  const c: FakeCluster | null = hasFakenode ? buildCluster({ build: ['pve1', 'pve2'] }) : null;
  const run = (args: string[]) =>
    runCli(['--root', join(c!.nodes.pve1, 'root'), 'cluster', '--nodes', 'pve1,pve2', ...args], {
      pathPrefix: c!.pathPrefix,
      env: c!.env,
    });
  const real = c ? JSON.parse(run(['--json', '--documents']).stdout).documents.pve2 : null;
  for (const f of FAULTS) {
    test(f.name, () => {
      c!.setAnswer('pve2', f.answer(JSON.stringify(real), real));
      const i = FAULTS.indexOf(f);
      const tf = join(c!.dir, `textfile-${i}`);
      mkdirSync(tf);
      for (const format of ['json', FORMATS.filter((x) => x !== 'json')[i % 4]] as Format[]) {
        const r = run(['--format', format, ...(format === 'prometheus' ? ['--textfile', tf] : [])]);
        const where = `${format}\n${r.stdout}\n${r.stderr}`;
        assert.equal(r.code, 'kind' in f.expect ? 3 : 2, where);
        assert.ok(r.stdout.trim().length > 0, `stdout is never empty (${format})`);
        assert.doesNotMatch(r.stdout, RAW_CONTROL, `no raw control character (${format})`);
        assert.doesNotMatch(r.stderr, RAW_CONTROL, `no raw control character on stderr (${format})`);
        assert.doesNotMatch(r.stdout + r.stderr, /internal error/);
        assertNode(format, r.stdout, f);
        if (format === 'prometheus') {
          const file = readFileSync(join(tf, 'pve-health-cluster.prom'), 'utf8');
          const stable = (x: string) => x.replace(/^pve_health_cluster_last_scan_timestamp_seconds \d+$/m, '');
          assert.equal(stable(file), stable(r.stdout), 'the textfile says what stdout says');
        }
      }
    });
  }
});

describe('cluster: a scan that cannot run at all answers UNKNOWN in every format', { skip }, () => {
  test('.members unreadable: UNKNOWN with the reason, never an empty stdout', () => {
    const c = buildCluster({ build: ['pve1'] });
    const bare = join(c.dir, 'bare');
    mkdirSync(join(bare, 'etc/pve'), { recursive: true });
    const want: Record<Format, RegExp> = {
      text: /UNKNOWN: could not scan the cluster: cannot read .*\.members/,
      json: /"error": "cannot read .*\.members/,
      nagios: /^UNKNOWN: cluster: could not scan the cluster: cannot read/,
      checkmk: /^3 "PVE-Health cluster" .* could not scan the cluster: cannot read/,
      prometheus: /^pve_health_cluster_scan_ok 0$/m,
    };
    for (const format of FORMATS) {
      const r = runCli(['--root', bare, 'cluster', '--format', format], { pathPrefix: c.pathPrefix, env: c.env });
      assert.equal(r.code, 3, `${format}: ${r.stdout}${r.stderr}`);
      assert.match(r.stdout, want[format]);
      assert.match(r.stderr, /cannot read .*\.members/);
    }
  });
});
