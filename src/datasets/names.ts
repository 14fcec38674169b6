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
 * Where rejections of blobs whose names are not valid dataset names are recorded. It cannot collide
 * with a real dataset: valid names start with a letter or digit.
 */
export const INVALID_NAME_PARTITION = '_invalid';
