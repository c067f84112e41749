// Turns off zod's eval probe in the browser before any schema runs: the workbench's CSP forbids eval, and zod's caught
// `new Function("")` still files a securitypolicyviolation report on every load. The hostile-strings e2e counts those
// reports (a payload that ran would file one too), so the page must file none of its own. Imported first by main.tsx.
import { z } from 'zod';

z.config({ jitless: true });
