// Real hung mounts without NFS: FUSE filesystems whose server never answers (test helper, also used
// by bench/mounts.mjs). Root and /dev/fuse are needed; `fuseAvailable()` says whether they are.
//
// stall:   nobody ever reads the FUSE device, so every access waits for the INIT handshake. The
//          wait is killable: like a hard NFS mount whose server is gone, SIGKILL ends the prober.
// swallow: a server process answers INIT, then reads every request and never answers. A process
//          waiting on a request the server has already taken is in uninterruptible sleep: even
//          SIGKILL does not end it until the server goes away (the "stuck probe" case).
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readSync, writeSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export function fuseAvailable() {
  if (typeof process.getuid === 'function' && process.getuid() !== 0) return 'needs root';
  try {
    closeSync(openSync('/dev/fuse', 'r+'));
  } catch (e) {
    return `/dev/fuse: ${e.code}`;
  }
  return null;
}

function mountFuse(fd, dir, name) {
  mkdirSync(dir, { recursive: true });
  const r = spawnSync(
    'mount',
    ['-i', '-t', 'fuse', '-o', 'fd=3,rootmode=40000,user_id=0,group_id=0,allow_other', name, dir],
    {
      stdio: ['ignore', 'ignore', 'pipe', fd],
    },
  );
  if (r.status !== 0) throw new Error(`mount ${dir}: ${String(r.stderr).trim() || r.status}`);
}

function umount(dir) {
  spawnSync('umount', ['-l', dir], { stdio: 'ignore' });
}

/** A killable hang at `dir`. close() aborts the connection (waiters get ENOTCONN) and unmounts. */
export function mountStall(dir) {
  const fd = openSync('/dev/fuse', 'r+');
  mountFuse(fd, dir, 'pvehealth-stall');
  let open = true;
  const abort = () => {
    if (open) closeSync(fd);
    open = false;
  };
  return {
    dir,
    /** Abort the connection but leave the mount: every access fails with ENOTCONN. */
    abort,
    close() {
      abort();
      umount(dir);
    },
  };
}

/** An unkillable hang at `dir`, served by a child process; close() kills the server and unmounts. */
export async function mountSwallow(dir) {
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), 'swallow', dir], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (b) => {
      out += b;
      if (out.includes('ready')) resolve();
    });
    child.on('exit', (code) => reject(new Error(`swallow server exited ${code}`)));
  });
  return {
    dir,
    pid: child.pid,
    close() {
      child.kill('SIGKILL');
      umount(dir);
    },
  };
}

const FUSE_INIT = 26;

function serveSwallow(dir) {
  const fd = openSync('/dev/fuse', 'r+');
  mountFuse(fd, dir, 'pvehealth-swallow');
  process.stdout.write('ready\n');
  const buf = Buffer.alloc(1024 * 1024 + 8192);
  for (;;) {
    const n = readSync(fd, buf, 0, buf.length, null);
    if (n < 40) continue;
    const opcode = buf.readUInt32LE(4);
    const unique = buf.readBigUInt64LE(8);
    if (opcode !== FUSE_INIT) continue; // swallowed: the caller waits forever
    // fuse_out_header (16 bytes) + fuse_init_out (64 bytes), protocol 7.31.
    const out = Buffer.alloc(80);
    out.writeUInt32LE(80, 0);
    out.writeInt32LE(0, 4);
    out.writeBigUInt64LE(unique, 8);
    out.writeUInt32LE(7, 16); // major
    out.writeUInt32LE(31, 20); // minor
    out.writeUInt32LE(buf.readUInt32LE(48), 24); // max_readahead as asked
    out.writeUInt32LE(0, 28); // flags
    out.writeUInt32LE(4096, 36); // max_write
    out.writeUInt32LE(1, 40); // time_gran
    writeSync(fd, out);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv[2] === 'swallow') serveSwallow(process.argv[3]);
