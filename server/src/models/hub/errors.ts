/**
 * What can go wrong in a pull, as the CLI's exit codes need it: `argument` is the user's to fix (a bad
 * name, an unknown repo or revision, a licence not accepted: exit 2); `download` is a transfer or a
 * verification that failed (exit 1, naming the file); `cancelled` is a stop on request.
 */
export type HubErrorKind = 'argument' | 'download' | 'cancelled';

export class HubError extends Error {
  constructor(
    readonly kind: HubErrorKind,
    message: string,
    /** The repository path of the file concerned, when there is one. */
    readonly file?: string,
  ) {
    super(message);
  }
}

/** The Hub's own error codes (the `X-Error-Code` header) that mean "this repo/revision/file does not exist for you". */
const ARGUMENT_CODES = new Set(['RepoNotFound', 'RevisionNotFound', 'GatedRepo', 'DisabledRepo']);

/**
 * A non-2xx Hub answer as a HubError. Anonymous requests for a private or missing repo get 401 with
 * `X-Error-Code: RepoNotFound` (the Hub does not reveal which), so both name HF_TOKEN as a way out.
 */
export function hubHttpError(status: number, errorCode: string | undefined, what: string, file?: string): HubError {
  const hint: Record<string, string> = {
    RepoNotFound: `no such repository on the Hub (or it is private: set HF_TOKEN to a token that can read it)`,
    RevisionNotFound: 'no such branch, tag or commit in the repository',
    EntryNotFound: 'the file is not in the repository at this commit',
    GatedRepo: 'the repository is gated: accept its conditions on the Hub, then set HF_TOKEN',
    DisabledRepo: 'the repository has been disabled on the Hub',
  };
  const reason = (errorCode && hint[errorCode]) || `the Hub answered HTTP ${status}`;
  const code = errorCode ? ` [${errorCode}]` : '';
  if ((errorCode && ARGUMENT_CODES.has(errorCode)) || (!errorCode && (status === 401 || status === 404) && !file)) {
    return new HubError('argument', `${what}: ${reason}${code}`, file);
  }
  return new HubError('download', `${what}: ${reason}${code}`, file);
}
