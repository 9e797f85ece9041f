// gzip for serve's replies without compressing a large document per request. Most of a reply (the
// check document, the metrics of a scan) changes once per scan; a small tail (the service block: scan
// ages, memory) changes on every request. The large part is deflated once per scan with a sync flush
// (byte-aligned, not final) and its CRC-32 kept; each request appends its tail as a final stored block
// (RFC 1951 3.2.4) and the gzip trailer (RFC 1952: CRC-32 and length of the whole text), so a request
// costs a copy, not a compression, and the result is one ordinary gzip member any client decodes.
import * as zlib from 'node:zlib';
import { constants, deflateRaw, deflateRawSync, gzipSync } from 'node:zlib';

/** The large, per-scan part of a reply, deflated once. */
export interface DeflatedPrefix {
  /** Bytes of the prefix (for the gzip trailer; the text itself is not kept twice). */
  length: number;
  deflated: Buffer;
  crc: number;
}

export function deflatePrefix(text: string | Buffer): DeflatedPrefix {
  const buf = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
  return {
    length: buf.length,
    deflated: deflateRawSync(buf, { level: 6, finishFlush: constants.Z_SYNC_FLUSH }),
    crc: crc32(buf, 0),
  };
}

/** The same in the thread pool (a large document would stall every request meanwhile). */
export function deflatePrefixAsync(text: string | Buffer, done: (gz: DeflatedPrefix | null) => void): void {
  const buf = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
  deflateRaw(buf, { level: 6, finishFlush: constants.Z_SYNC_FLUSH }, (err, deflated) => {
    // Without its gzip (null) the body is served uncompressed: slower on the wire, never wrong.
    done(err ? null : { length: buf.length, deflated, crc: crc32(buf, 0) });
  });
}

// Header of a gzip member: magic, deflate, no flags, no mtime, no extra flags, OS unknown.
const GZIP_HEADER = Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff]);
const STORED_MAX = 0xffff;

/** gzip of prefix + tail: the cached deflate of the prefix, the tail as stored block(s), the trailer. */
export function gzipWithTail(prefix: DeflatedPrefix, tail: string): Buffer {
  return Buffer.concat(gzipPartsWithTail(prefix, tail));
}

/** The same as the pieces to write one after another: the cached deflate is sent, never copied. */
export function gzipPartsWithTail(prefix: DeflatedPrefix, tail: string): Buffer[] {
  const t = Buffer.from(tail, 'utf8');
  const blocks: Buffer[] = [];
  let at = 0;
  do {
    const len = Math.min(STORED_MAX, t.length - at);
    const last = at + len >= t.length;
    const head = Buffer.alloc(5);
    head[0] = last ? 1 : 0; // BFINAL, BTYPE 00 (stored); the prefix ended byte-aligned
    head.writeUInt16LE(len, 1);
    head.writeUInt16LE(~len & 0xffff, 3);
    blocks.push(head, t.subarray(at, at + len));
    at += len;
  } while (at < t.length);
  const trailer = Buffer.alloc(8);
  trailer.writeUInt32LE(crc32(t, prefix.crc), 0);
  trailer.writeUInt32LE((prefix.length + t.length) % 2 ** 32, 4);
  return [GZIP_HEADER, prefix.deflated, ...blocks, trailer];
}

/** A constant body (the page, its script and style): compressed once. */
export function gzipOnce(text: string): Buffer {
  return gzipSync(Buffer.from(text, 'utf8'), { level: 9 });
}

/** Whether the client takes gzip (Accept-Encoding, RFC 9110 12.5.3: `gzip;q=0` refuses it). */
export function acceptsGzip(header: string | undefined): boolean {
  if (!header) return false;
  for (const part of header.toLowerCase().split(',')) {
    const [coding, ...params] = part.trim().split(';');
    if (coding.trim() !== 'gzip' && coding.trim() !== 'x-gzip' && coding.trim() !== '*') continue;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    return !q || Number(q.slice(2)) > 0;
  }
  return false;
}

const CRC_TABLE = (() => {
  const t = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c;
  }
  return t;
})();

// Node >= 20.15 has it in C (a large document's CRC in well under a millisecond); older ones take the table.
const nativeCrc32 = (zlib as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;

/** CRC-32 (the one of gzip) of buf, continuing from the CRC of the bytes before it. */
export function crc32(buf: Uint8Array, previous: number): number {
  if (nativeCrc32) return nativeCrc32(buf, previous);
  let c = ~previous;
  for (let i = 0; i < buf.length; i++) c = CRC_TABLE[(c ^ buf[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}
