// Every command of the CLI, in the order `pve-health --help` lists them.
import type { Command } from './command';
import { captureCommand } from './commands/capture';
import { checkCommand } from './commands/check';
import { cleanCommand } from './commands/clean';
import { dmCommand } from './commands/dm';
import { mountsCommand } from './commands/mounts';
import { restoreCommand } from './commands/restore';
import { serveCommand } from './commands/serve';

export const COMMANDS: Command[] = [checkCommand, dmCommand, mountsCommand, captureCommand, cleanCommand, restoreCommand, serveCommand];
