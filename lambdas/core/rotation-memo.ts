/**
 * Which provider each rotation in flight uses, remembered per Lambda container from createSecret.
 * It lets setSecret answer without a Secrets Manager call when the provider has no activation step: that step
 * then changes nothing, so its pre-checks protect nothing (testSecret and finishSecret still check everything).
 * Only the provider kind is kept, never a value; a cold container or an unknown rotation simply re-describes.
 */
const DEFAULT_CAPACITY = 1000;

export class RotationMemo {
  private readonly kinds = new Map<string, string>();

  constructor(private readonly capacity = DEFAULT_CAPACITY) {}

  remember(secretId: string, token: string, providerKind: string): void {
    const key = memoKey(secretId, token);
    this.kinds.delete(key);
    this.kinds.set(key, providerKind);
    // A Map iterates in insertion order: drop the oldest rotations first.
    while (this.kinds.size > this.capacity) this.kinds.delete(this.kinds.keys().next().value as string);
  }

  recall(secretId: string, token: string): string | undefined {
    return this.kinds.get(memoKey(secretId, token));
  }

  forget(secretId: string, token: string): void {
    this.kinds.delete(memoKey(secretId, token));
  }

  get size(): number {
    return this.kinds.size;
  }
}

function memoKey(secretId: string, token: string): string {
  return `${secretId}\n${token}`;
}
