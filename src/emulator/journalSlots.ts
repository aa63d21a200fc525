// Where the request journal keeps what it recorded of each request: off the JS heap, in one buffer of fixed slots, each
// holding one entry's record (as JSON text) and the first bytes of its response body (as many as the journal shows).
// An entry lives for the next REQUEST_JOURNAL requests, long enough to be copied out of V8's young generation and
// marked in the old one: kept as strings on the heap, a page of phones' entry (6 KB) cost about a fifth of the request's
// CPU (bench/RESULTS.md, issue 15). Here each is written once, as UTF-8, and read only when the journal is. (Written
// here: no library keeps a ring of byte slots.)
//
// A slot is taken for each entry in the order entries are added, and reused `count` entries later: the journal keeps
// fewer than `count` entries (it drops the oldest before it holds that many), so a slot is never reused while its
// entry is kept. The buffer's pages are touched only as slots are written: an entry of a kilobyte or two uses one page
// of its slot, not all of it.

/** Room for an entry's record in its slot; a longer record (headers of many kilobytes) stays a string on the heap. */
const RECORD_BYTES = 4096;

/** Where one entry's bytes are: its slot, its record's length (-1: not in the slot) and its body's (-1: none). */
export interface SlotUse {
  readonly slot: number;
  readonly recordBytes: number;
  readonly bodyKept: number;
  /** The body's whole size, of which `bodyKept` bytes were kept. */
  readonly bodyTotal: number;
}

export class EntrySlots {
  private bytes: Buffer | undefined;
  private next = 0;
  private readonly slotBytes: number;

  constructor(
    /** How many entries are held at once. */
    private readonly count: number,
    /** How many bytes of each response body. */
    private readonly maxBodyBytes: number,
  ) {
    this.slotBytes = RECORD_BYTES + maxBodyBytes;
  }

  /** Writes `record` (when it fits) and the first `maxBodyBytes` of `body` into the next slot. */
  keep(record: string, body: string | Buffer | undefined): SlotUse {
    // Allocated at the first entry, not at start-up: most of it is never touched when entries are small.
    const bytes = (this.bytes ??= Buffer.allocUnsafeSlow(this.count * this.slotBytes));
    const slot = this.next;
    this.next = (slot + 1) % this.count;
    let at = slot * this.slotBytes;
    // write() never splits a character, so a text that does not fit may stop up to 3 bytes short of the room's end.
    let recordBytes = bytes.write(record, at, RECORD_BYTES, 'utf8');
    if (recordBytes >= RECORD_BYTES - 3 && Buffer.byteLength(record) > recordBytes) recordBytes = -1;
    else at += recordBytes;
    if (body === undefined) return { slot, recordBytes, bodyKept: -1, bodyTotal: -1 };
    if (typeof body !== 'string') return { slot, recordBytes, bodyKept: body.copy(bytes, at, 0, this.maxBodyBytes), bodyTotal: body.length };
    const kept = bytes.write(body, at, this.maxBodyBytes, 'utf8');
    return { slot, recordBytes, bodyKept: kept, bodyTotal: kept < this.maxBodyBytes - 3 ? kept : Buffer.byteLength(body) };
  }

  /** The record written in a slot (undefined: it did not fit). */
  record({ slot, recordBytes }: SlotUse): string | undefined {
    if (recordBytes < 0) return undefined;
    const at = slot * this.slotBytes;
    return this.bytes!.toString('utf8', at, at + recordBytes);
  }

  /** The bytes kept of a body (a view: valid until its slot is reused, so read it at once). */
  body({ slot, recordBytes, bodyKept }: SlotUse): Buffer {
    const at = slot * this.slotBytes + Math.max(recordBytes, 0);
    return this.bytes!.subarray(at, at + bodyKept);
  }
}
