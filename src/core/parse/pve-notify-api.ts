// Which PVE::Notify API a node has, from the text of /usr/share/perl5/PVE/Notify.pm (pve-cluster,
// package libpve-notify-perl). Four generations, by pve-cluster's git history of src/PVE/Notify.pm:
//   sub notify { my ($target, $severity, $title, $message, $properties, $config) = @_;        (8.0.x, PVE 8.0:
//                                                                       targets, no matchers; d1606d4)
//   sub notify { my ($severity, $title, $message, $template_data, $fields, $config) = @_;    (8.0.5, PVE 8.1:
//                                                                       matchers; 186bf9e "adapt to matcher based")
//   sub notify { my ($severity, $template_name, $template_data, $fields, $config) = @_;      (8.0.7, PVE 8.2:
//                                                                       named templates; 25715cc)
//   sub common_template_data { ... hostname, fqdn, cluster-name ... }                        (8.1.0, PVE 8.4
//                                                                       and 9.x; 5f1b748)
// Pure: the module's text in, the generation out (null when the text matches none: the caller says so).

export type PveNotifyApi = 'target' | 'title-message' | 'template' | 'template-common';

/** The generation of the PVE::Notify module whose text this is; null when no `sub notify` is recognised. */
export function parsePveNotifyApi(text: string): PveNotifyApi | null {
  const sig = /sub\s+notify\s*\{\s*my\s*\(\s*\$(\w+)\s*,\s*\$(\w+)\s*,\s*\$(\w+)/.exec(text);
  if (!sig) return null;
  const [, first, second] = sig;
  if (first === 'target') return 'target';
  if (first !== 'severity') return null;
  if (second === 'title') return 'title-message';
  if (second !== 'template_name') return null;
  return /sub\s+common_template_data\b/.test(text) ? 'template-common' : 'template';
}
