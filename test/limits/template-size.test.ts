/** Every template (main stack and key shards) stays under CloudFormation's 1,000,000 bytes, with a margin. */
import { buildKeyturnApp } from '../../lib/app';
import { parseConfig } from '../../lib/config/load';
import { MAX_KEYS_IN_MAIN_STACK } from '../../lib/key-shards';
import {
  CLOUDFORMATION_TEMPLATE_BYTES,
  TEMPLATE_BYTES_BUDGET,
  TemplateSizeGuard,
} from '../../lib/limits/template-size';
import { testApp } from '../helpers/synth';
import { worstCaseConfig } from '../infra/worst-case-config';
import { runGuard, templateOfBytes } from './helpers';

test('the budget leaves a margin under the limit', () => {
  expect(TEMPLATE_BYTES_BUDGET).toBeLessThan(CLOUDFORMATION_TEMPLATE_BYTES * 0.96);
});

test('a template over the budget is refused with the fix: a shard count to pin', () => {
  const guard = new TemplateSizeGuard({ keyCount: 53, shardCount: 1 });
  const report = runGuard(guard, {
    'Keyturn.template.json': templateOfBytes(200_000),
    'KeyturnKeyShard0.nested.template.json': templateOfBytes(1_010_815),
  });
  expect(report.success).toBe(false);
  expect(report.violations).toHaveLength(1);
  expect(report.violations[0]).toMatchObject({
    ruleName: 'KT-TemplateSize',
    description: expect.stringContaining('KeyturnKeyShard0.nested.template.json is 1010815 bytes'),
    fix: expect.stringMatching(/set pipeline\.keyShards to [2-9] \(now 1, 53 keys\)/),
  });
});

test('templates at the budget pass (the guard does not fire)', () => {
  const guard = new TemplateSizeGuard({ keyCount: 2, shardCount: 0 });
  expect(runGuard(guard, { 'Keyturn.template.json': templateOfBytes(TEMPLATE_BYTES_BUDGET) })).toEqual({
    success: true,
    violations: [],
  });
});

/** Maximum-length keys pinned in the main stack (keyShards 0): about 12 KB each, so 110 pass 1 MB. */
const OVERSIZE_MAIN_STACK_KEYS = 110;

test(`synth refuses ${OVERSIZE_MAIN_STACK_KEYS} maximum-length keys pinned in the main stack (over 1 MB) and names pipeline.keyShards`, () => {
  const config = parseConfig(worstCaseConfig(OVERSIZE_MAIN_STACK_KEYS, { keyShards: 0 }));
  const { app } = buildKeyturnApp(config, testApp());
  expect(() => app.synth()).toThrow(
    /template \S+ is 1\d{6} bytes[\s\S]*Suggested fix: spread the keys over more stacks: set pipeline\.keyShards to [2-9] \(now 0, 110 keys\)/,
  );
});

test(`${MAX_KEYS_IN_MAIN_STACK} maximum-length keys, the most the main stack holds by default, synthesize under the budget`, () => {
  const config = parseConfig(worstCaseConfig(MAX_KEYS_IN_MAIN_STACK));
  const { app } = buildKeyturnApp(config, testApp());
  expect(() => app.synth()).not.toThrow();
});
