/** Rotation events for tests: one valid, and a table of malformed ones. */
export const VALID_ROTATION_EVENT = {
  Step: 'createSecret',
  SecretId: 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:keyturn/prod/billing-api-AbCdEf',
  ClientRequestToken: '3f5a6c1e-2b7d-4e8f-9a0b-1c2d3e4f5a6b',
};

const valid = VALID_ROTATION_EVENT;

/** Malformed events: each must be rejected with a typed error naming the field. */
export const MALFORMED_ROTATION_EVENTS: Array<[string, unknown, RegExp]> = [
  ['missing Step', { ...valid, Step: undefined }, /Step/],
  ['unknown Step', { ...valid, Step: 'deleteSecret' }, /Step/],
  ['Step with other casing', { ...valid, Step: 'CreateSecret' }, /Step/],
  ['empty SecretId', { ...valid, SecretId: '' }, /SecretId/],
  ['blank SecretId', { ...valid, SecretId: '   ' }, /SecretId/],
  ['SecretId not a string', { ...valid, SecretId: 42 }, /SecretId/],
  ['missing token', { ...valid, ClientRequestToken: undefined }, /ClientRequestToken/],
  [
    'token shorter than 32 characters',
    { ...valid, ClientRequestToken: 'a'.repeat(31) },
    /ClientRequestToken/,
  ],
  ['token longer than 64 characters', { ...valid, ClientRequestToken: 'a'.repeat(65) }, /ClientRequestToken/],
  [
    'token with a newline (forged log line)',
    { ...valid, ClientRequestToken: `${'a'.repeat(32)}\n{"level":"INFO"}` },
    /ClientRequestToken/,
  ],
  [
    'token with a bidi override',
    { ...valid, ClientRequestToken: `${'a'.repeat(32)}\u202e` },
    /ClientRequestToken/,
  ],
  ['token as number', { ...valid, ClientRequestToken: 7 }, /ClientRequestToken/],
  ['RotationToken not a string', { ...valid, RotationToken: {} }, /RotationToken/],
  ['unknown extra field', { ...valid, Extra: 'x' }, /Extra|unrecognized/i],
  ['null event', null, /event/],
  ['array event', [valid], /event/],
  ['string event', 'createSecret', /event/],
  ['oversized SecretId', { ...valid, SecretId: 'a'.repeat(5000) }, /SecretId/],
];
