/**
 * The registration custom resource's pure rules (lambdas/core/registry-request.ts): only a request CloudFormation
 * sent is parsed (its own response bucket over HTTPS, every field bounded), a bad entry still gets an answer (so a
 * deployment never hangs) with the reason, and the answer names the secret as the physical id.
 */
import {
  InvalidRegistrationRequestError,
  parseRegistrationRequest,
  registrationResponse,
} from '../../lambdas/core/registry-request';
import {
  BILLING_KMS_KEY_ARN as KMS,
  BILLING_POLICY as POLICY,
  BILLING_SECRET_ARN as ARN,
  BILLING_SECRET_NAME as NAME,
} from '../helpers/billing-key';
const RESPONSE_URL =
  'https://cloudformation-custom-resource-response-euwest1.s3.eu-west-1.amazonaws.com/arn%3Aaws/x?X-Amz-Signature=abc';

const request = (overrides: Record<string, unknown> = {}, properties: Record<string, unknown> = {}) => ({
  RequestType: 'Create',
  ResponseURL: RESPONSE_URL,
  StackId: 'arn:aws:cloudformation:eu-west-1:111122223333:stack/keyturn/1',
  RequestId: 'req-1',
  LogicalResourceId: 'BillingApiRegistration',
  ResourceProperties: {
    ServiceToken: 'arn:aws:lambda:eu-west-1:111122223333:function:registry',
    SecretName: NAME,
    SecretArn: ARN,
    KmsKeyArn: KMS,
    Policy: JSON.stringify(POLICY),
    ...properties,
  },
  ...overrides,
});

function refusal(event: unknown): InvalidRegistrationRequestError {
  try {
    parseRegistrationRequest(event);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidRegistrationRequestError);
    return error as InvalidRegistrationRequestError;
  }
  throw new Error('parsed');
}

describe('rule: only a request CloudFormation sent is parsed', () => {
  test('a Create, Update or Delete request parses, with its entry', () => {
    for (const RequestType of ['Create', 'Update', 'Delete']) {
      const parsed = parseRegistrationRequest(request({ RequestType, PhysicalResourceId: NAME }));
      expect(parsed).toEqual({
        requestType: RequestType,
        responseUrl: RESPONSE_URL,
        stackId: 'arn:aws:cloudformation:eu-west-1:111122223333:stack/keyturn/1',
        requestId: 'req-1',
        logicalResourceId: 'BillingApiRegistration',
        physicalResourceId: NAME,
        entry: { ok: true, value: { secretName: NAME, secretArn: ARN, kmsKeyArn: KMS, policy: POLICY } },
      });
    }
  });

  test('a request without a physical id (a Create) carries none', () => {
    expect(parseRegistrationRequest(request())).not.toHaveProperty('physicalResourceId');
    expect(parseRegistrationRequest(request({ PhysicalResourceId: '' }))).not.toHaveProperty(
      'physicalResourceId',
    );
  });

  test('another request type is refused, naming the field', () => {
    expect(refusal(request({ RequestType: 'Import' })).message).toBe(
      'Invalid registration request: RequestType',
    );
  });

  test.each([
    ['regional bucket, dot form', RESPONSE_URL],
    ['regional bucket, dash form', RESPONSE_URL.replace('.s3.eu-west-1.', '.s3-eu-west-1.')],
    ['global endpoint', 'https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/x'],
    ['china', 'https://cloudformation-custom-resource-response-cnnorth1.s3.cn-north-1.amazonaws.com.cn/x'],
  ])('a response URL of a CloudFormation response bucket is accepted (%s)', (_case, ResponseURL) => {
    expect(parseRegistrationRequest(request({ ResponseURL })).responseUrl).toBe(ResponseURL);
  });

  test.each([
    ['over plain HTTP', RESPONSE_URL.replace('https:', 'http:')],
    [
      'to an attacker host',
      'https://attacker.example.com/?cloudformation-custom-resource-response-x.s3.amazonaws.com/',
    ],
    [
      'to a look-alike host',
      'https://cloudformation-custom-resource-response-x.s3.amazonaws.com.attacker.example/',
    ],
    ['to another bucket', 'https://my-bucket.s3.eu-west-1.amazonaws.com/x'],
    [
      'with an upper-case bucket',
      'https://cloudformation-custom-resource-response-EUWEST1.s3.amazonaws.com/x',
    ],
    ['without a path', 'https://cloudformation-custom-resource-response-euwest1.s3.amazonaws.com'],
    ['prefixed', `x${RESPONSE_URL}`],
  ])('a response URL %s is refused (nothing is ever posted there)', (_case, ResponseURL) => {
    expect(refusal(request({ ResponseURL })).message).toBe('Invalid registration request: ResponseURL');
  });

  test.each(['StackId', 'RequestId', 'LogicalResourceId'])(
    '%s: required, at most 2048 characters',
    (field) => {
      expect(parseRegistrationRequest(request({ [field]: 'x'.repeat(2048) }))).toBeDefined();
      expect(refusal(request({ [field]: 'x'.repeat(2049) })).message).toBe(
        `Invalid registration request: ${field}`,
      );
      expect(refusal(request({ [field]: '' })).message).toBe(`Invalid registration request: ${field}`);
    },
  );

  test('the physical id is at most 2048 characters', () => {
    expect(parseRegistrationRequest(request({ PhysicalResourceId: 'p'.repeat(2048) }))).toBeDefined();
    expect(refusal(request({ PhysicalResourceId: 'p'.repeat(2049) })).message).toBe(
      'Invalid registration request: PhysicalResourceId',
    );
  });

  test.each([
    ['SecretName', 512],
    ['SecretArn', 2048],
    ['KmsKeyArn', 2048],
    ['Policy', 64_000],
  ])('ResourceProperties.%s: required, at most %i characters', (field, max) => {
    const path = `Invalid registration request: ResourceProperties.${field}`;
    expect(refusal(request({}, { [field]: 'x'.repeat(max + 1) })).message).toBe(path);
    expect(refusal(request({}, { [field]: '' })).message).toBe(path);
    expect(parseRegistrationRequest(request({}, { [field]: 'x'.repeat(max) })).requestId).toBe('req-1');
  });

  test('a policy of one character is refused as a request; two characters is a request with a bad entry', () => {
    expect(refusal(request({}, { Policy: '1' })).message).toBe(
      'Invalid registration request: ResourceProperties.Policy',
    );
    expect(parseRegistrationRequest(request({}, { Policy: '{}' })).entry.ok).toBe(false);
  });

  test('every wrong field is named once, and a non-object is refused at the root', () => {
    expect(refusal(request({ RequestType: 'x', StackId: '' })).message).toBe(
      'Invalid registration request: RequestType, StackId',
    );
    expect(refusal('not a request').message).toBe('Invalid registration request: (root)');
    expect(refusal(request({ ResourceProperties: 'x' })).message).toBe(
      'Invalid registration request: ResourceProperties',
    );
    const error = refusal(request({ ResourceProperties: {} }));
    expect(error.message).toBe(
      'Invalid registration request: ResourceProperties.SecretName, ResourceProperties.SecretArn, ' +
        'ResourceProperties.KmsKeyArn, ResourceProperties.Policy',
    );
    expect(error.name).toBe('InvalidRegistrationRequestError');
  });
});

describe('rule: a bad entry is answered with its reason, never left hanging', () => {
  test('a policy that is not JSON is a refused entry, with that reason', () => {
    expect(parseRegistrationRequest(request({}, { Policy: '{not json' })).entry).toEqual({
      ok: false,
      reason: 'Policy is not JSON',
    });
  });

  test("an entry that is not a registry entry is refused with the registry's reason", () => {
    const entry = parseRegistrationRequest(request({}, { KmsKeyArn: 'alias/keyturn' })).entry;
    expect(entry.ok).toBe(false);
    expect(entry.ok ? '' : entry.reason).toMatch(
      new RegExp(`^The registry entry of ${NAME} is malformed: kmsKeyArn: `),
    );
  });
});

describe('rule: the answer CloudFormation reads', () => {
  const ids = { stackId: 'stack-1', requestId: 'req-1', logicalResourceId: 'Logical' };

  test('a success names the secret as the physical id', () => {
    expect(
      JSON.parse(registrationResponse({ ...ids, secretName: NAME, physicalResourceId: 'old' }, { ok: true })),
    ).toEqual({
      Status: 'SUCCESS',
      Reason: 'registered',
      PhysicalResourceId: NAME,
      StackId: 'stack-1',
      RequestId: 'req-1',
      LogicalResourceId: 'Logical',
      NoEcho: false,
      Data: {},
    });
  });

  test('without a secret name the physical id is the one CloudFormation gave, else the logical id', () => {
    const failed = { ok: false as const, reason: 'bad' };
    expect(JSON.parse(registrationResponse({ ...ids, physicalResourceId: 'old' }, failed))).toMatchObject({
      Status: 'FAILED',
      Reason: 'bad',
      PhysicalResourceId: 'old',
    });
    expect(JSON.parse(registrationResponse(ids, failed)).PhysicalResourceId).toBe('Logical');
  });

  test('a failure reason is cut to 1000 characters', () => {
    const body = JSON.parse(registrationResponse(ids, { ok: false, reason: 'r'.repeat(5000) }));
    expect(body.Reason).toBe('r'.repeat(1000));
  });
});
