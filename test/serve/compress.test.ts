// serve's gzip (src/serve/compress.ts): a cached deflate of the per-scan body with the live tail appended as
// stored blocks must decode, with any gzip decoder, to exactly body + tail, at every tail size.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { acceptsGzip, crc32, deflatePrefix, deflatePrefixAsync, gzipWithTail } from '../../src/serve/compress';

const BODY = `{"dm":{"entries":[${Array.from({ length: 2000 }, (_, i) => `{"name":"pve-vm--${i}--disk--0","n":"é ✓"}`).join(',')}]`;

test('compress: body + tail round-trips for every tail size, stored-block limits included', () => {
  const prefix = deflatePrefix(BODY);
  assert.ok(prefix.deflated.length < BODY.length / 5, 'the body is really compressed');
  for (const n of [0, 1, 2, 700, 65534, 65535, 65536, 65537, 140_000]) {
    const tail = `,"service":"${'x'.repeat(n)}ü"}\n`;
    const gz = gzipWithTail(prefix, tail);
    assert.equal(gunzipSync(gz).toString('utf8'), BODY + tail, `tail of ${n}`);
  }
  assert.equal(gunzipSync(gzipWithTail(deflatePrefix(''), 'only a tail')).toString(), 'only a tail');
});

test('compress: the thread-pool deflate gives the same bytes as the synchronous one', async () => {
  const gz = await new Promise<ReturnType<typeof deflatePrefix> | null>((ok) => deflatePrefixAsync(BODY, ok));
  assert.deepEqual(gz, deflatePrefix(BODY));
});

test('compress: CRC-32 continues across pieces (the check value of "123456789" is cbf43926)', () => {
  const all = Buffer.from('123456789');
  assert.equal(crc32(all, 0).toString(16), 'cbf43926');
  assert.equal(crc32(all.subarray(4), crc32(all.subarray(0, 4), 0)).toString(16), 'cbf43926');
});

test('compress: Accept-Encoding (RFC 9110 12.5.3)', () => {
  const rows: [string | undefined, boolean][] = [
    [undefined, false],
    ['', false],
    ['gzip', true],
    ['gzip, deflate, br', true],
    ['br;q=1.0, gzip;q=0.8, *;q=0.1', true],
    ['GZIP', true],
    ['x-gzip', true],
    ['gzip;q=0', false],
    ['deflate, br', false],
    ['identity', false],
    ['*', true],
    ['*;q=0', false],
  ];
  for (const [h, want] of rows) assert.equal(acceptsGzip(h), want, String(h));
});
