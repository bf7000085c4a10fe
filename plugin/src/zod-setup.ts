/**
 * Imported first by the UXP entry: zod's fast path compiles validators with `new Function`, and whether it
 * may is fixed when each schema is created (zod 4 reads the flag at construction), so the flag must be set
 * before `shared/` defines its schemas. UXP plugins should not generate code from strings.
 */
import { z } from 'zod';

z.config({ jitless: true });
