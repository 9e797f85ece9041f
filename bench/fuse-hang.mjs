// A real hung mount for the serve load test: a FUSE filesystem whose daemon answers INIT and then
// reads every request and never replies. A process that stats it sleeps uninterruptibly in
// request_wait_answer, and SIGKILL does not end it — the same state as a stat on a dead hard-mounted
// NFS export. Killing this daemon closes /dev/fuse, which aborts the connection and frees them all.
//
//   node bench/fuse-hang.mjs TARGET LOG [SOURCE] [FSTYPE]     (root; run it in a private mount namespace)
//
// LOG gets one JSON line per request: {op, tid, tgid}. tgid is the process behind the request (the
// kernel reports the thread), so the load test counts how many probe processes ever touched the mount.
import { spawnSync } from 'node:child_process';
import { appendFileSync, openSync, readFileSync, readSync, writeSync } from 'node:fs';

const [, , target, log, source = 'hang@nas:/export', fstype = 'fuse.sshfs'] = process.argv;
if (!target || !log) {
  process.stderr.write('usage: fuse-hang.mjs TARGET LOG [SOURCE] [FSTYPE]\n');
  process.exit(64);
}

const FUSE_INIT = 26;
const fd = openSync('/dev/fuse', 'r+');
// -i: no mount.fuse helper; the kernel gets the /dev/fuse descriptor as fd=3 of mount(8).
const m = spawnSync(
  'mount',
  ['-i', '-t', fstype, '-o', 'fd=3,rootmode=40000,user_id=0,group_id=0,allow_other', source, target],
  { stdio: ['ignore', 'inherit', 'inherit', fd] },
);
if (m.status !== 0) {
  process.stderr.write(`fuse-hang: mount ${target} failed (exit ${m.status})\n`);
  process.exit(1);
}
process.stdout.write('mounted\n');

function tgidOf(tid) {
  try {
    return Number(/^Tgid:\s+(\d+)/m.exec(readFileSync(`/proc/${tid}/status`, 'utf8'))[1]);
  } catch {
    return null;
  }
}

// The kernel refuses reads into buffers smaller than 8 KiB + max_write.
const buf = Buffer.alloc((1 << 20) + 4096);
for (;;) {
  let n;
  try {
    n = readSync(fd, buf, 0, buf.length, null);
  } catch (e) {
    if (e.code === 'EINTR' || e.code === 'EAGAIN' || e.code === 'ENOENT') continue;
    process.exit(0); // ENODEV: unmounted
  }
  if (n < 40) continue;
  // struct fuse_in_header: len u32, opcode u32, unique u64, nodeid u64, uid u32, gid u32, pid u32, ...
  const op = buf.readUInt32LE(4);
  const unique = buf.readBigUInt64LE(8);
  const tid = buf.readUInt32LE(32);
  appendFileSync(log, `${JSON.stringify({ op, tid, tgid: tid ? tgidOf(tid) : null })}\n`);
  if (op === FUSE_INIT) {
    // fuse_out_header (len, error, unique) + fuse_init_out (protocol 7.31, no optional features).
    const out = Buffer.alloc(16 + 64);
    out.writeUInt32LE(out.length, 0);
    out.writeInt32LE(0, 4);
    out.writeBigUInt64LE(unique, 8);
    out.writeUInt32LE(7, 16); // major
    out.writeUInt32LE(31, 20); // minor
    out.writeUInt32LE(buf.readUInt32LE(48), 24); // max_readahead: as the kernel offered
    out.writeUInt16LE(16, 32); // max_background
    out.writeUInt16LE(12, 34); // congestion_threshold
    out.writeUInt32LE(131072, 36); // max_write
    out.writeUInt32LE(1, 40); // time_gran
    writeSync(fd, out);
  }
  // Every other request stays unanswered: that is the hang.
}
