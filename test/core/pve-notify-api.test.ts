// Which PVE::Notify generation a module's text is, from the `sub notify` lines of pve-cluster's
// src/PVE/Notify.pm at the commits that changed it (d1606d4, 186bf9e, 25715cc, 5f1b748).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parsePveNotifyApi } from '../../src/core/parse/pve-notify-api';

const notifySub = (args: string) => `sub notify {\n    my (${args}) = @_;\n    $send_notification->(...);\n}\n`;

test('parsePveNotifyApi: the four generations, and text it does not know', () => {
  const rows: [string, string | null][] = [
    [notifySub('$target, $severity, $title, $message, $properties, $config'), 'target'],
    [notifySub('$severity, $title, $message, $template_data, $fields, $config'), 'title-message'],
    [notifySub('$severity, $template_name, $template_data, $fields, $config'), 'template'],
    [
      `${notifySub('$severity, $template_name, $template_data, $fields, $config')}\nmy $cached_fqdn;\nsub common_template_data {\n`,
      'template-common',
    ],
    [notifySub('$severity, $something_else, $x'), null],
    ['package PVE::Notify;\n1;\n', null],
    ['', null],
  ];
  for (const [text, want] of rows) assert.equal(parsePveNotifyApi(text), want, text);
});
