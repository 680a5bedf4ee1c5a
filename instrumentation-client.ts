import { z } from 'zod';

// Runs in the browser before the app. zod compiles object parsers with `new Function` when it may, and
// probes for that with Function(""): under our CSP (no 'unsafe-eval' in production) the probe is a reported
// violation on every page that validates input. Interpreted parsers are plenty for forms.
z.config({ jitless: true });
