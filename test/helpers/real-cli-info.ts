// The CliInfo of the real registry, as the package build collects it (man page, completions).
import { type CliInfo, collectCliInfo } from '../../scripts/package/cli-info';
import { ENVIRONMENT } from '../../src/cli/environment';
import { renderHelp } from '../../src/cli/main';
import { FORMATS, GLOBAL_HELP, GLOBAL_OPTIONS } from '../../src/cli/options';
import { loadAllCommands } from '../../src/cli/registry';

export async function realCliInfo(): Promise<CliInfo> {
  const commands = await loadAllCommands();
  return collectCliInfo({
    program: 'pve-health',
    version: '0.0.0',
    helpText: renderHelp(),
    commands,
    globalOptions: GLOBAL_OPTIONS,
    globalHelp: GLOBAL_HELP,
    formats: FORMATS,
    environment: ENVIRONMENT,
  });
}
