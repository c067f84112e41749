// The timeline service as the renderer calls it (the host's `timeline` service in the app contract).
import type { ServiceClient } from '../../../../src/contract/kit.js';
import type { timelineService } from '../../../../src/forensics/common/timeline.contract.js';

export type TimelineClient = ServiceClient<typeof timelineService>;
