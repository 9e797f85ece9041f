// Real servers on loopback for the notification tests: an SMTP server (smtp-server, its built-in
// self-signed certificate for STARTTLS/TLS) and an HTTP server standing in for Mailjet and webhooks.
// Plus a small MIME reader (mailparser cannot be installed here): headers, RFC 2047 words, parts.
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  from: string;
  to: string[];
  raw: string;
  user: string | null;
  password: string | null;
  secure: boolean;
}

export async function startSmtp(
  opts: { secure?: boolean; auth?: { user: string; password: string }; rejectRcpt?: boolean } = {},
) {
  const mails: ReceivedMail[] = [];
  const server = new SMTPServer({
    secure: opts.secure ?? false,
    authOptional: !opts.auth,
    disabledCommands: opts.auth ? [] : ['AUTH'],
    logger: false,
    onAuth(auth, _session, cb) {
      if (opts.auth && auth.username === opts.auth.user && auth.password === opts.auth.password)
        return cb(null, { user: auth.username });
      return cb(new Error('Invalid username or password'));
    },
    onRcptTo(address, _session, cb) {
      if (opts.rejectRcpt)
        return cb(Object.assign(new Error(`550 mailbox ${address.address} unavailable`), { responseCode: 550 }));
      cb();
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const s = session as typeof session & { secure?: boolean };
        mails.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString('utf8'),
          user: (session.user as string | undefined) ?? null,
          password: null,
          secure: Boolean(s.secure),
        });
        cb();
      });
    },
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.server.address() as AddressInfo).port;
  return { port, mails, close: () => new Promise<void>((r) => server.close(() => r())) };
}

export interface ReceivedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** `answer` gives [status, body] for the n-th request (0-based). */
export async function startHttp(answer: (n: number, req: ReceivedRequest) => [number, string] = () => [200, '']) {
  const requests: ReceivedRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const r = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      requests.push(r);
      const [status, body] = answer(requests.length - 1, r);
      res.writeHead(status, { 'Content-Type': 'application/json' }).end(body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as AddressInfo).port;
  return { url: `http://127.0.0.1:${port}`, requests, close: () => new Promise<void>((r) => server.close(() => r())) };
}

function decodeWords(s: string): string {
  return s.replace(/=\?utf-8\?([QB])\?([^?]*)\?=\s*/gi, (_, enc: string, text: string) =>
    enc.toUpperCase() === 'B' ? Buffer.from(text, 'base64').toString('utf8') : decodeQp(text.replace(/_/g, ' ')),
  );
}

function decodeQp(s: string): string {
  const bytes: number[] = [];
  const t = s.replace(/=\r?\n/g, '');
  for (let i = 0; i < t.length; i++) {
    if (t[i] === '=' && /^[0-9A-F]{2}$/i.test(t.slice(i + 1, i + 3))) {
      bytes.push(Number.parseInt(t.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(...Buffer.from(t[i], 'utf8'));
  }
  return Buffer.from(bytes).toString('utf8');
}

function splitHeaders(block: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of block.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const i = line.indexOf(':');
    if (i > 0) out[line.slice(0, i).toLowerCase()] = decodeWords(line.slice(i + 1).trim());
  }
  return out;
}

/** Headers of the message and the decoded text of every leaf part, by content type. */
export function parseMail(raw: string): { headers: Record<string, string>; parts: Record<string, string> } {
  const parts: Record<string, string> = {};
  const walk = (entity: string): Record<string, string> => {
    const sep = entity.search(/\r?\n\r?\n/);
    const headers = splitHeaders(entity.slice(0, sep));
    const body = entity.slice(sep).replace(/^\r?\n\r?\n/, '');
    const type = headers['content-type'] ?? 'text/plain';
    const boundary = /boundary="?([^";]+)"?/i.exec(type)?.[1];
    if (boundary) {
      for (const p of body.split(`--${boundary}`).slice(1)) {
        if (p.startsWith('--')) break;
        walk(p.replace(/^\r?\n/, ''));
      }
    } else {
      const enc = (headers['content-transfer-encoding'] ?? '').toLowerCase();
      const text =
        enc === 'base64'
          ? Buffer.from(body, 'base64').toString('utf8')
          : enc === 'quoted-printable'
            ? decodeQp(body)
            : body;
      parts[type.split(';')[0].trim()] = text.replace(/\r\n/g, '\n');
    }
    return headers;
  };
  return { headers: walk(raw), parts };
}
