// The whole application contract: every domain's service under its name. Host and renderer both derive from this.
import { captureService } from '../capture/common/capture.contract.js';
import { kubernetesService } from '../capture/common/kubernetes.contract.js';
import { replayService } from '../capture/common/replay.contract.js';
import { forensicsService } from '../forensics/common/forensics.contract.js';
import { reportService } from '../forensics/common/report.contract.js';
import { timelineService } from '../forensics/common/timeline.contract.js';
import { defineContract, type ContractClient, type ContractImpl } from './kit.js';
import { systemService } from './system.contract.js';

export const appContract = defineContract({
  system: systemService,
  capture: captureService,
  forensics: forensicsService,
  replay: replayService,
  report: reportService,
  timeline: timelineService,
  kubernetes: kubernetesService,
});

export type AppContract = typeof appContract;
export type AppClient = ContractClient<AppContract>;
export type AppImplementation = ContractImpl<AppContract>;
