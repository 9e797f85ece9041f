// Every environment variable pve-health reads, for the man page's ENVIRONMENT section (a test checks
// that each variable the source reads is listed here).
export const ENVIRONMENT: { name: string; text: string }[] = [
  { name: 'PVE_HEALTH_TOKEN', text: "Bearer token for 'serve' (wins over serve.token in the config file)." },
  {
    name: 'PVE_HEALTH_MOUNT_TIMEOUT',
    text: 'Seconds a mount probe may take (wins over mounts.timeout; --timeout wins over both).',
  },
  { name: 'PVE_HEALTH_SMTP_PASSWORD', text: 'SMTP password for [notify.smtp].' },
  { name: 'PVE_HEALTH_MAILJET_API_KEY', text: 'Mailjet API key for [notify.mailjet] (also MJ_APIKEY_PUBLIC).' },
  { name: 'PVE_HEALTH_MAILJET_API_SECRET', text: 'Mailjet API secret for [notify.mailjet] (also MJ_APIKEY_PRIVATE).' },
  { name: 'MJ_APIKEY_PUBLIC', text: "Mailjet's own name for the API key." },
  { name: 'MJ_APIKEY_PRIVATE', text: "Mailjet's own name for the API secret." },
  {
    name: 'PVE_HEALTH_WEBHOOK_URL',
    text: 'Webhook URL for [notify.webhook] (its path is a credential for Discord and Slack).',
  },
  { name: 'PVE_HEALTH_WEBHOOK_TOKEN', text: 'Webhook token for [notify.webhook].' },
  { name: 'PVE_HEALTH_DEBUG', text: 'When set, an internal error also prints its stack trace.' },
  { name: 'NO_COLOR', text: 'When set and not empty, no colours (as --no-color).' },
  { name: 'COLUMNS', text: 'Width of text output (else the terminal width; not wrapped when stdout is no terminal).' },
  { name: 'TERM', text: 'No colours when it is "dumb".' },
  { name: 'SUDO_USER', text: "Who ran 'clean' or 'restore', recorded in the journal (else USER)." },
  { name: 'USER', text: "Who ran 'clean' or 'restore', when SUDO_USER is not set." },
];
