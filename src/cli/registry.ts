// Every command of the CLI, in the order `pve-health --help` lists them.
import type { Command } from './command';
import { ackCommand } from './commands/ack';
import { captureCommand } from './commands/capture';
import { checkCommand } from './commands/check';
import { cleanCommand } from './commands/clean';
import { clusterCommand } from './commands/cluster';
import { dmCommand } from './commands/dm';
import { installTimerCommand } from './commands/install-timer';
import { mountsCommand } from './commands/mounts';
import { notifyCommand } from './commands/notify';
import { reportCommand } from './commands/report';
import { restoreCommand } from './commands/restore';
import { serveCommand } from './commands/serve';
import { volumesCommand } from './commands/volumes';

export const COMMANDS: Command[] = [
  checkCommand,
  dmCommand,
  mountsCommand,
  volumesCommand,
  clusterCommand,
  reportCommand,
  notifyCommand,
  ackCommand,
  captureCommand,
  cleanCommand,
  restoreCommand,
  serveCommand,
  installTimerCommand,
];
