/** The host id names the app's folders in azure-webjobs-secrets and azure-webjobs-hosts. */
export function computeHostId(settings: Readonly<Record<string, string | undefined>>, appName: string | undefined): string {
  const explicit = settings['AzureFunctionsWebHost__hostid'] ?? settings['AzureFunctionsWebHost__hostId'];
  const source = explicit || settings.WEBSITE_SITE_NAME || appName || 'local-functions-host';
  // As the real host: lower case, letters/digits/dashes, at most 32 characters, no trailing dash.
  const id = source
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, '-')
    .slice(0, 32)
    .replace(/^-+|-+$/g, '');
  return id || 'local-functions-host';
}
