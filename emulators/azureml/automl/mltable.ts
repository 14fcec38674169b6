/**
 * The subset of the MLTable format the emulator reads: `paths` entries with `file:` (relative to the
 * MLTable's folder) and an optional `read_delimited` transformation (delimiter, header). Anything the
 * job cannot read is a user error, as in the service.
 */
export interface MLTableSpec {
  files: string[];
  delimiter: string;
  header: string;
}

export function parseMLTable(text: string): MLTableSpec {
  const files: string[] = [];
  let delimiter = ',';
  let header = 'all_files_same_headers';
  let section = '';
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/#.*$/, '');
    if (!line.trim()) continue;
    const top = /^(\w[\w-]*):\s*(.*)$/.exec(line);
    if (top) {
      section = top[1];
      continue;
    }
    const unquote = (v: string) => v.trim().replace(/^['"](.*)['"]$/, '$1');
    const file = /^\s*-\s*file:\s*(.+)$/.exec(line);
    if (section === 'paths' && file) files.push(unquote(file[1]).replace(/^\.\//, ''));
    const d = /^\s*delimiter:\s*(.+)$/.exec(line);
    if (section === 'transformations' && d) delimiter = unquote(d[1]);
    const h = /^\s*header:\s*(.+)$/.exec(line);
    if (section === 'transformations' && h) header = unquote(h[1]);
  }
  if (files.length === 0) throw new Error('the MLTable file lists no paths (paths: [{file: ...}])');
  if (delimiter !== ',') throw new Error(`only comma-delimited MLTables are read by this emulator (delimiter '${delimiter}')`);
  return { files, delimiter, header };
}

/** `azureml://datastores/<name>/paths/<path>` -> {datastore, path}; undefined for other forms. */
export function parseDatastoreUri(uri: string): { datastore: string; path: string } | undefined {
  const m = /^azureml:\/\/(?:subscriptions\/[^/]+\/resourcegroups\/[^/]+\/workspaces\/[^/]+\/)?datastores\/([^/]+)\/paths\/(.*)$/i.exec(uri);
  return m ? { datastore: m[1], path: m[2] } : undefined;
}
