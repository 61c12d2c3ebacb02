/** ARNs of another account or region than the stack's: synth warns (a copy from another environment?). */
import { foreignArns } from '../../lib/config/arns';

const target = { account: '111122223333', region: 'eu-west-1' };
const config = {
  keys: [
    {
      name: 'mail',
      provider: {
        kind: 'http-admin-api',
        adminSecretArn: 'arn:aws:secretsmanager:us-east-1:444455556666:secret:x',
      },
      allowedReaders: ['arn:aws:iam::111122223333:role/reader', 'arn:aws:iam::999988887777:role/other'],
    },
  ],
  notifications: { critical: [{ protocol: 'sqs', endpoint: 'arn:aws:sqs:eu-west-1:111122223333:q' }] },
};

test('names each foreign ARN with its path and what differs', () => {
  expect(foreignArns(config, target)).toEqual([
    {
      path: 'keys[0].provider.adminSecretArn',
      arn: 'arn:aws:secretsmanager:us-east-1:444455556666:secret:x',
      differs: [
        'account 444455556666 (the stack deploys to 111122223333)',
        'region us-east-1 (the stack deploys to eu-west-1)',
      ],
    },
    {
      path: 'keys[0].allowedReaders[1]',
      arn: 'arn:aws:iam::999988887777:role/other',
      differs: ['account 999988887777 (the stack deploys to 111122223333)'],
    },
  ]);
});

test('guard does not fire: ARNs of the stack account and region, and global IAM ARNs without a region', () => {
  expect(
    foreignArns(
      { a: 'arn:aws:iam::111122223333:user/ci', b: 'arn:aws:sqs:eu-west-1:111122223333:q', c: 'not an arn' },
      target,
    ),
  ).toEqual([]);
});

test('an environment-agnostic stack compares nothing', () => {
  expect(foreignArns(config, {})).toEqual([]);
});

test('only the known side is compared when the stack pins just the region', () => {
  expect(foreignArns(config, { region: 'eu-west-1' }).map((f) => f.path)).toEqual([
    'keys[0].provider.adminSecretArn',
  ]);
});
