import { BOOTSTRAP_SECRET_VALUE } from '../../lambdas/core/constants';
import { handler } from '../../lambdas/rotate/handler';
import { FakeSecretsManager } from '../helpers/secrets-manager-fake';
import { managedTags } from '../helpers/keys';
import { captureOutput, lambdaContext } from '../helpers/lambda';

const sm = new FakeSecretsManager();

test('smoke: a bootstrap secret rotates to a well-formed key', async () => {
  const out = captureOutput();
  const s = sm.addSecret('keyturn/prod/billing-api', { value: BOOTSTRAP_SECRET_VALUE, tags: managedTags() });
  const token = sm.beginRotation(s.arn);
  for (const Step of ['createSecret', 'setSecret', 'testSecret', 'finishSecret']) {
    await handler({ Step, SecretId: s.arn, ClientRequestToken: token }, lambdaContext());
  }
  out.restore();
  console.log(out.text().slice(0, 2000), sm.snapshot(), sm.callCount());
  expect(sm.versionWith(s.arn, 'AWSCURRENT')).toBe(token);
});
