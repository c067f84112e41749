// `npm run bench:acquire`: both acquisition figures of the containment issue, each against its baseline in the same run.
//
// 1. export + inline SHA-256 + write into a case vs `docker export > /dev/null` (throughput ratio, target ≥ 0.9);
// 2. isolate's containment (pause + quarantine) vs `docker pause` + `docker network disconnect/connect` (time ratio,
//    target ≤ 1.5), with the volatile-collection time printed separately.
// Runs the compiled code: `npm run build` first (the npm script does). Each part prints its own figures.
import { benchAcquireExport } from './acquire-export.mjs';
import { benchIsolate } from './isolate.mjs';

await benchAcquireExport();
await benchIsolate();
