// A config that holds secrets must be root's and mode 0600 — a webhook URL is one (Discord and Slack
// put the credential in its path).
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createHost } from '../../src/host/host';
import { readConfig } from '../../src/host/read-config';

test('readConfig: a webhook URL in a world-readable file is refused; 0600 is accepted', () => {
  const file = join(mkdtempSync(join(tmpdir(), 'pvh-cfg-')), 'config.toml');
  writeFileSync(file, '[notify.webhook]\nurl = "https://discord.com/api/webhooks/1/SECRET"\n');
  chmodSync(file, 0o644);
  assert.throws(() => readConfig(createHost(), file), /holds secrets but is mode 0644/);
  chmodSync(file, 0o600);
  assert.equal(readConfig(createHost(), file).notify?.webhook?.url, 'https://discord.com/api/webhooks/1/SECRET');
});
