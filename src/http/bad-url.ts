import { RegistryError } from '../errors/index.js';
import { parseV2Path } from './v2-path.js';

/**
 * The error for a request whose URL the router can't decode (bad percent-encoding such as
 * `%ff%fe`), in the envelope of the surface it was meant for, so no client ever sees the
 * framework's own body. Decided like a well-formed URL of the same shape would be: a name that
 * hides characters is NAME_INVALID; a manifest reference no tag or digest can be is
 * MANIFEST_INVALID on a PUT (it would create it) and MANIFEST_UNKNOWN otherwise; a digest is
 * DIGEST_INVALID; anything else a 400 UNSUPPORTED.
 */
export function badUrlError(method: string, url: string): RegistryError {
  const path = url.split('?', 1)[0] ?? '';
  const reason = 'the URL holds percent-encoding that does not decode to UTF-8';
  let target: ReturnType<typeof parseV2Path>;
  try {
    target = parseV2Path(path);
  } catch (error) {
    if (error instanceof RegistryError) return error;
    throw error;
  }
  switch (target?.kind) {
    case 'manifest':
      return method === 'PUT'
        ? new RegistryError('MANIFEST_INVALID', { detail: { reason: `the reference is not a valid tag or digest: ${reason}` } })
        : new RegistryError('MANIFEST_UNKNOWN', { detail: { reason: `the reference is not a valid tag or digest: ${reason}` } });
    case 'blob':
    case 'referrers':
      return new RegistryError('DIGEST_INVALID', { detail: { reason: `not a valid digest: ${reason}` } });
    default:
      return new RegistryError('BAD_URL', { detail: { reason, path: path.slice(0, 300) } });
  }
}
