// The dashboard's findings that are no finding of a part: a part that could not be checked (UNKNOWN,
// with its reason), advice before the next guest is created, failed notification deliveries. Pure.

import { STATUS_WORD } from '../core/vocab/status';
import type { NotifyFailures } from '../core/vocab/types';
import type { ViewFinding } from './dashboard-types';
import { lastNotifyFailure, notifyFailureCount } from './notify-failures';

export function vmidAdvice(message: string, index: number): ViewFinding {
  return {
    ...partError('dm', '', ''),
    key: `dm:next-vmid:${index}`,
    level: 1,
    word: STATUS_WORD[1],
    kind: 'next VMID',
    title: 'Before the next guest is created',
    explanation: message,
    advice: true,
  };
}

/** Notifications that failed to deliver: a warning among the findings (not counted: the node is not worse for it). */
export function notifyAdvice(f: NotifyFailures): ViewFinding {
  const last = lastNotifyFailure(f);
  const lead = f.last?.deliveredVia
    ? 'The last alert arrived through a fallback, after a way that failed.'
    : 'Alerts may not have reached anyone.';
  return {
    ...partError('notify', '', ''),
    key: 'notify:failed-deliveries',
    level: 1,
    word: STATUS_WORD[1],
    kind: 'notifications',
    title: notifyFailureCount(f),
    explanation: last ? `${lead} ${last[0].toUpperCase()}${last.slice(1)}.` : lead,
    hint: 'Send a test to every channel and read what each says: pve-health notify --test',
    fix: 'pve-health notify --test',
    advice: true,
  };
}

export function partError(part: string, label: string, error: string): ViewFinding {
  return {
    key: `${part}:could-not-check`,
    part,
    level: 3,
    word: STATUS_WORD[3],
    kind: 'not checked',
    title: `Could not check ${label}`,
    explanation: error,
    detail: '',
    dmName: null,
    volume: null,
    storage: null,
    storageGui: null,
    guest: null,
    size: null,
    fix: null,
    effect: null,
    hint: null,
    steps: [],
    pending: false,
    protectedBy: [],
    acknowledged: null,
    isNew: false,
    ackCommand: null,
  };
}
