/** Request validation with the shared schemas: a mismatch becomes INVALID_REQUEST naming the fields. */
import type { z } from 'zod';
import { ApiError } from '../../../shared/src';

const MAX_ISSUES = 5;

export function describeIssues(error: z.ZodError): string {
  const parts = error.issues.slice(0, MAX_ISSUES).map((issue) => {
    const where = issue.path.length > 0 ? issue.path.join('.') : 'body';
    return `${where}: ${issue.message}`;
  });
  const more = error.issues.length > MAX_ISSUES ? ` (and ${error.issues.length - MAX_ISSUES} more)` : '';
  return parts.join('; ') + more;
}

export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw new ApiError('INVALID_REQUEST', `invalid ${what}: ${describeIssues(result.error)}`);
  return result.data;
}

/** A route's `:id`, as one string (express types route params of computed paths loosely). */
export function idParam(params: Record<string, string | string[] | undefined>): string {
  const id = params.id;
  return typeof id === 'string' ? id : '';
}
