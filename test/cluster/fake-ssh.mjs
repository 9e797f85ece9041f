// A stand-in for OpenSSH's `ssh` in the cluster tests: parses the options the way ssh(1) does,
// logs the call, maps the destination host (IP or name) to a fake node, and runs the remote
// command string with /bin/sh -c on that node's PATH (as sshd hands it to root's login shell).
// Hosts it does not know fail like ssh does: exit 255, "ssh: connect to host ... Connection refused".
//
// FAKE_SSH_HOSTS: JSON file {"<ip or name>": {"path": ["dir", ...], "mode": "ok|hang|hostkey|print"}}
//   mode "print": the node answers with the bytes of "file" ("repeat" times, default once) and exits
//   with "code" (default 0), whatever the command: a broken or hostile node.
// FAKE_SSH_LOG:   file that gets one JSON line per call: {"argv", "options", "destination", "command"}
import { spawn } from 'node:child_process';
import { appendFileSync, readFileSync } from 'node:fs';

// ssh(1) SYNOPSIS: options that take an argument.
const WITH_ARG = new Set('BbcDEeFIiJLlmOoPpQRSWw'.split(''));

function parse(argv) {
  const options = {};
  const flags = [];
  let i = 0;
  for (; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      i++;
      break;
    }
    if (!a.startsWith('-') || a === '-') break;
    for (let j = 1; j < a.length; j++) {
      const c = a[j];
      if (WITH_ARG.has(c)) {
        const v = j + 1 < a.length ? a.slice(j + 1) : argv[++i];
        if (v === undefined) {
          process.stderr.write(`option requires an argument -- ${c}\n`);
          process.exit(255);
        }
        if (c === 'o') {
          const m = /^([^=\s]+)[=\s]+(.*)$/.exec(v);
          if (m) options[m[1].toLowerCase()] = m[2];
        } else options[`-${c}`] = v;
        break;
      }
      flags.push(c);
    }
  }
  const destination = argv[i];
  const command = argv.slice(i + 1).join(' ');
  return { options, flags, destination, command };
}

const argv = process.argv.slice(2);
const call = parse(argv);
if (process.env.FAKE_SSH_LOG) appendFileSync(process.env.FAKE_SSH_LOG, `${JSON.stringify({ argv, ...call })}\n`);
if (!call.destination) {
  process.stderr.write('usage: ssh [-46AaCfGgKkMNnqsTtVvXxYy] ... destination [command [argument ...]]\n');
  process.exit(255);
}
const host = call.destination.includes('@') ? call.destination.split('@').pop() : call.destination;
const hosts = JSON.parse(readFileSync(process.env.FAKE_SSH_HOSTS, 'utf8'));
const node = hosts[host];
if (!node) {
  process.stderr.write(`ssh: connect to host ${host} port 22: Connection refused\r\n`);
  process.exit(255);
}
if (node.mode === 'hostkey') {
  process.stderr.write(
    'No ED25519 host key is known for pve3 and you have requested strict checking.\r\nHost key verification failed.\r\n',
  );
  process.exit(255);
}
if (node.mode === 'print') {
  const chunk = readFileSync(node.file);
  let left = node.repeat ?? 1;
  const more = () => {
    // Honour back-pressure: a reader that stops reading (killed at its output limit) stops us.
    while (left > 0) {
      left--;
      if (!process.stdout.write(chunk)) return void process.stdout.once('drain', more);
    }
    process.exitCode = node.code ?? 0;
  };
  process.stdout.on('error', () => process.exit(255));
  more();
} else if (node.mode === 'hang') {
  // A node whose check never ends (hung NFS, stuck lvs): the caller's deadline must kill us.
  setInterval(() => {}, 1000);
} else {
  // sshd runs the command in a session of its own and does not end it when the connection drops:
  // the command here is detached too, so killing this "ssh" leaves it running, as on a real node.
  const child = spawn('/bin/sh', ['-c', call.command], {
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
    env: { PATH: [...node.path, '/usr/bin', '/bin'].join(':'), HOME: '/root', LANG: 'C.UTF-8', NO_COLOR: '1' },
  });
  child.stdout.pipe(process.stdout);
  child.stderr.pipe(process.stderr);
  // Not process.exit(): output piped on to a pipe is written asynchronously and would be cut off.
  child.on('close', (code, signal) => {
    process.exitCode = code ?? (signal ? 255 : 0);
  });
}
