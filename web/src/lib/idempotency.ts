// One Idempotency-Key per user action: made when the action first runs, reused by every retry
// of the same action (so a double click or a retry after a lost answer posts once), forgotten
// once the action succeeded. Unit-tested in test/unit/idempotency.test.ts.

/** Holds the key of one pending action. */
export class ActionKey {
  private key: string | null = null;
  private payload: string | null = null;

  constructor(private readonly newKey: () => string = () => crypto.randomUUID()) {}

  /** The key for sending `payload`: the pending one if the payload is the same, else a new one. */
  for(payload: unknown): string {
    const text = JSON.stringify(payload ?? null);
    if (this.key === null || this.payload !== text) {
      this.key = this.newKey();
      this.payload = text;
    }
    return this.key;
  }

  /** The action succeeded: the next one gets a new key. */
  done(): void {
    this.key = null;
    this.payload = null;
  }
}
