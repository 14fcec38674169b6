/**
 * Dataset names come from blob names: `datasets/bank.csv` registers dataset `bank`. A name must be a
 * valid Table PartitionKey and blob path segment, so it is kept to a safe, portable alphabet.
 */
const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;

/** The dataset name for a blob name (last extension removed), or undefined when it is not a valid name. */
export function datasetNameFromBlob(blobName: string): string | undefined {
  const dot = blobName.lastIndexOf('.');
  const base = dot > 0 ? blobName.slice(0, dot) : blobName;
  return isValidDatasetName(base) ? base : undefined;
}

export function isValidDatasetName(name: string): boolean {
  return NAME.test(name) && !name.endsWith('.');
}

/**
 * Why a blob name is no dataset name. `UNSAFE_NAME`: the name would address something else once it is
 * put into a storage path (`.`/`..` segments, backslashes, which storage reads as `/`, control
 * characters, percent-encoded dots or separators): such a blob is never read by that name, only
 * recorded. `INVALID_NAME`: any other name outside the dataset alphabet (folders, spaces, ...).
 */
export function blobNameRejection(blobName: string): { code: 'UNSAFE_NAME' | 'INVALID_NAME'; message: string } | undefined {
  if (datasetNameFromBlob(blobName)) return undefined;
  const shown = JSON.stringify(blobName.length > 120 ? `${blobName.slice(0, 119)}…` : blobName);
  if (isUnsafeBlobName(blobName)) {
    return {
      code: 'UNSAFE_NAME',
      message: `blob name ${shown} is not addressable as it is (dot segments, backslashes, control characters or percent-encoded separators): it was not read`,
    };
  }
  return {
    code: 'INVALID_NAME',
    message: `blob name ${shown} does not give a valid dataset name: use letters, digits, '.', '_' or '-' (max 63, no folders), e.g. bank.csv`,
  };
}

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/** A name that a storage client or URL parser would not keep as it is. */
export function isUnsafeBlobName(blobName: string): boolean {
  if (blobName === '' || CONTROL.test(blobName) || blobName.includes('\\') || /%(2e|2f|5c)/i.test(blobName)) return true;
  return blobName.split('/').some((s) => s === '.' || s === '..' || s === '');
}

/**
 * Where rejections of blobs whose names are not valid dataset names are recorded. It cannot collide
 * with a real dataset: valid names start with a letter or digit.
 */
export const INVALID_NAME_PARTITION = '_invalid';
