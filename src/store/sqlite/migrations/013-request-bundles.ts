// Multi-target requests: the grants of one request share a bundle id (null for a single target).

export const REQUEST_BUNDLES = `
  ALTER TABLE grants ADD COLUMN bundle_id TEXT;
  CREATE INDEX grants_by_bundle ON grants (bundle_id) WHERE bundle_id IS NOT NULL;
`;
