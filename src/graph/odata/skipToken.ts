// $skiptoken: where the next page starts (the sort-key values of the last row served), bound to the
// owner and the query it was made for, and signed so that it cannot be altered or reused elsewhere.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { graphErrors } from '../errors.ts';
import type { LiteralValue } from './ast.ts';

export class SkipTokens {
  constructor(private readonly secret: Buffer) {}

  private mac(payload: string, scope: string): Buffer {
    return createHmac('sha256', this.secret).update(scope).update('\n').update(payload).digest().subarray(0, 16);
  }

  /** `scope` names what the token is valid for: the owner, $filter and $orderby. */
  make(position: readonly LiteralValue[], scope: string): string {
    const payload = Buffer.from(JSON.stringify(position)).toString('base64url');
    return `${payload}.${this.mac(payload, scope).toString('base64url')}`;
  }

  /** The position a token holds; 400 when it was altered, or made for another owner or query. */
  read(token: string, scope: string, keyCount: number): LiteralValue[] {
    const invalid = () => graphErrors.badQuery("The $skiptoken is not valid for this request. Follow @odata.nextLink exactly as it was received.");
    const [payload, mac, extra] = token.split('.');
    if (!payload || !mac || extra !== undefined) throw invalid();
    const expected = this.mac(payload, scope);
    const given = Buffer.from(mac, 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw invalid();
    let position: unknown;
    try {
      position = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    } catch {
      throw invalid();
    }
    const ok = (v: unknown) => v === null || ['string', 'number', 'boolean'].includes(typeof v);
    if (!Array.isArray(position) || position.length !== keyCount || !position.every(ok)) throw invalid();
    return position as LiteralValue[];
  }
}
