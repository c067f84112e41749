// The forensics service over the contract: cases, evidence listings, custody pages, verification and sealing.
import type { CallContext, ServiceImpl } from '../../contract/kit.js';
import type { CaseSummary, forensicsService, VerifyReport } from '../common/forensics.contract.js';
import type { CaseListing, CaseStore, CustodyPage } from './case-store.js';

/** The case methods; the diff methods are DiffService's (composed in create-host.ts). */
type ForensicsImpl = Pick<
  ServiceImpl<typeof forensicsService>,
  'listCases' | 'createCase' | 'openCase' | 'custodyLog' | 'verifyCase' | 'sealCase'
>;

export class CaseService implements ForensicsImpl {
  constructor(private readonly store: CaseStore) {}

  listCases = async (_input: object, _context: CallContext): Promise<CaseListing[]> => this.store.list();

  createCase = async (
    input: { caseDir: string; title: string; operator?: string | undefined },
    _context: CallContext,
  ): Promise<CaseSummary> => {
    const recorder = await this.store.create(input.caseDir, {
      title: input.title,
      ...(input.operator === undefined ? {} : { operator: input.operator }),
    });
    return this.store.summary(recorder.caseDir);
  };

  openCase = async ({ caseDir }: { caseDir: string }, _context: CallContext): Promise<CaseSummary> =>
    this.store.summary(caseDir);

  custodyLog = async (
    { caseDir, offset, limit }: { caseDir: string; offset: number; limit: number },
    _context: CallContext,
  ): Promise<CustodyPage> => this.store.custody(caseDir, offset, limit);

  verifyCase = async ({ caseDir }: { caseDir: string }, { signal, progress }: CallContext): Promise<VerifyReport> =>
    this.store.verify(caseDir, {
      signal,
      onItem: (done, total) => progress({ done, total, note: 'evidence items re-hashed' }),
    });

  sealCase = async ({ caseDir }: { caseDir: string }, _context: CallContext): Promise<CaseSummary> =>
    this.store.seal(caseDir);
}
