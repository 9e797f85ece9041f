// Run as a copy of node named `lxc-start` (`lxc-start mounts-lxc-start.js -F -n 105`): stands in
// for LXC's monitor process. Its child is the "container init": a shell in its own mount namespace
// (unshare -m), so pve-health must find it from the lxc-start process and read /proc/<pid>/mountinfo.
// The init script is mounts-ct-init.sh with the container ID as its argument.
const { spawn } = require('node:child_process');
// Recent Node names its main thread "MainThread", which is what /proc/<pid>/comm then shows; the
// real lxc-start (a C program) is "lxc-start", and that is what pve-health looks for.
require('node:fs').writeFileSync('/proc/self/comm', 'lxc-start');
const ctid = process.argv[process.argv.indexOf('-n') + 1];
const child = spawn('unshare', ['-m', '--propagation', 'private', '/bin/sh', `${__dirname}/mounts-ct-init.sh`, ctid], {
  stdio: 'inherit',
});
process.on('SIGTERM', () => child.kill('SIGKILL'));
child.on('exit', (code) => process.exit(code ?? 1));
