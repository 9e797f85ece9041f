// Every command of the CLI, in the order `pve-health --help` lists them.
import type { Command } from './command';

export const COMMANDS: Command[] = [];
