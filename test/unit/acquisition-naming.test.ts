// Snapshot names: evidence ids stay unique in a case, and any case id yields an image reference the engine accepts.
import { describe, expect, it } from 'vitest';
import { EvidenceIds, evidenceRepository, pathSlug, shortId } from '../../src/capture/common/acquisition-naming.js';

/** Docker's reference grammar for a repository path (distribution/reference), plus its 255-character limit. */
const DOCKER_REPOSITORY = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;

describe('evidence image repository for a case', () => {
  it('given a UUID case id (what the case store makes), then it is used as is under holdcell-evidence/', () => {
    expect(evidenceRepository('0819eb51-d36c-4ece-a060-6244f0733bb4')).toBe(
      'holdcell-evidence/0819eb51-d36c-4ece-a060-6244f0733bb4',
    );
  });

  it('given case ids with capitals, spaces, slashes, unicode or separator runs, then the result is a valid repository', () => {
    const cases = [
      'Case 2024/07 Web-Shell',
      'INC..42__x--y',
      '._-leading and trailing-_.',
      'ünïcödé ☠ case',
      '\u202eevil\u200b',
      'x'.repeat(400),
      '....',
    ];
    for (const caseId of cases) {
      const repository = evidenceRepository(caseId);
      expect(repository, caseId).toMatch(DOCKER_REPOSITORY);
      expect(repository.length, caseId).toBeLessThanOrEqual(255 - 13);
      expect(repository.startsWith('holdcell-evidence/'), caseId).toBe(true);
    }
    expect(evidenceRepository('Case 2024/07 Web-Shell')).toBe('holdcell-evidence/case-2024-07-web-shell');
    expect(evidenceRepository('INC..42__x--y')).toBe('holdcell-evidence/inc-42-x-y');
    expect(evidenceRepository('....')).toBe('holdcell-evidence/case');
  });
});

describe('evidence ids', () => {
  it('given an empty case, then the base id is used', () => {
    expect(new EvidenceIds([]).take('fs-export-0123456789ab')).toBe('fs-export-0123456789ab');
  });

  it('given a case that already holds the id (an earlier snapshot or isolate), then -2, -3… follow, never a duplicate', () => {
    const ids = new EvidenceIds(['inspect-0123456789ab', 'inspect-0123456789ab-2']);
    expect(ids.take('inspect-0123456789ab')).toBe('inspect-0123456789ab-3');
    expect(ids.take('inspect-0123456789ab')).toBe('inspect-0123456789ab-4');
    expect(ids.take('engine-info-0123456789ab')).toBe('engine-info-0123456789ab');
  });
});

describe('short ids and path slugs', () => {
  it('given a container id or an image id, then the short id is the first 12 hex digits', () => {
    expect(shortId('85f13b8c2b1b' + 'a'.repeat(52))).toBe('85f13b8c2b1b');
    expect(shortId(`sha256:d7e658e172fc${'0'.repeat(52)}`)).toBe('d7e658e172fc');
  });

  it('given mount destinations, then slugs are id-safe, readable and bounded', () => {
    expect(pathSlug('/var/lib/data')).toBe('var-lib-data');
    expect(pathSlug('/')).toBe('root');
    expect(pathSlug('/../../etc/\u202epasswd')).toBe('etc-passwd');
    expect(pathSlug(`/${'deep/'.repeat(30)}`).length).toBeLessThanOrEqual(40);
    expect(pathSlug(`/${'deep/'.repeat(30)}`)).toMatch(/^[a-z0-9][a-z0-9-]*[a-z0-9]$/);
  });
});
