/** The one reader of Secrets Manager's version-to-labels map. */
import { pendingVersionOf, versionWithLabel } from '../../lambdas/core/version-labels';

const versions = { v1: ['AWSPREVIOUS'], v2: ['AWSCURRENT'], v3: ['AWSPENDING'] };

test('the version carrying a label is found; a label nobody carries is undefined', () => {
  expect(versionWithLabel(versions, 'AWSCURRENT')).toBe('v2');
  expect(versionWithLabel(versions, 'AWSPREVIOUS')).toBe('v1');
  expect(versionWithLabel({ v2: ['AWSCURRENT'] }, 'AWSPREVIOUS')).toBeUndefined();
});

test('pending means AWSPENDING on a version that is not also AWSCURRENT (a finished rotation is not pending)', () => {
  expect(pendingVersionOf(versions)).toBe('v3');
  expect(pendingVersionOf({ v2: ['AWSCURRENT', 'AWSPENDING'] })).toBeUndefined();
  expect(pendingVersionOf({ v2: ['AWSCURRENT'] })).toBeUndefined();
});
