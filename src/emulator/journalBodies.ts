// Where the request journal keeps response bodies: off the JS heap, in one buffer of fixed slots, each holding the first
// bytes of one body (as many as the journal shows). An entry lives for the next REQUEST_JOURNAL requests, long enough to
// be copied out of V8's young generation and marked in the old one; for a page of phones (6 KB) that cost about a
// quarter of the request's CPU while the body was kept as a string on the heap (bench/RESULTS.md, issue 15). Here it is
// written once, as UTF-8, and read only when the journal is. (Written here: no library keeps a ring of byte slots.)
//
// A slot is taken for each entry in the order entries are added, and reused `count` entries later: the journal keeps
// fewer than `count` entries (it drops the oldest before it holds that many), so a slot is never reused while its
// entry is kept. The buffer's pages are touched only as slots are written: a body of a few hundred bytes uses one page
// of its slot, not all of it.

/** What was kept of one body: where, how many of its bytes, and how many it had. */
export interface KeptBody {
  readonly slot: number;
  readonly kept: number;
  readonly total: number;
}

export class BodySlots {
  private bytes: Buffer | undefined;
  private next = 0;

  constructor(
    /** How many bodies are held at once. */
    private readonly count: number,
    /** How many bytes of each. */
    private readonly slotBytes: number,
  ) {}

  /** Keeps the first `slotBytes` of `body` in the next slot. */
  keep(body: string | Buffer): KeptBody {
    // Allocated at the first body, not at start-up: most of it is never touched when bodies are small.
    const bytes = (this.bytes ??= Buffer.allocUnsafeSlow(this.count * this.slotBytes));
    const slot = this.next;
    this.next = (slot + 1) % this.count;
    const at = slot * this.slotBytes;
    if (typeof body !== 'string') return { slot, kept: body.copy(bytes, at, 0, this.slotBytes), total: body.length };
    // write() never splits a character, so a text that does not fit may stop up to 3 bytes short of the slot's end.
    const kept = bytes.write(body, at, this.slotBytes, 'utf8');
    return { slot, kept, total: kept < this.slotBytes - 3 ? kept : Buffer.byteLength(body) };
  }

  /** The bytes kept of a body (a view: valid until its slot is reused, so read it at once). */
  read({ slot, kept }: KeptBody): Buffer {
    const at = slot * this.slotBytes;
    return this.bytes!.subarray(at, at + kept);
  }
}
