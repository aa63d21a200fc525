// Where the request journal keeps what it recorded of each request: off the JS heap, in one buffer of fixed slots, each
// holding one entry's record (as JSON text) and the first bytes of its request's and its response's bodies (as many as
// the journal shows).
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

/** A body's first bytes as they were read, and its whole size. */
export interface ReadBody {
  readonly bytes: Buffer;
  readonly total: number;
}

/**
 * Where one entry's bytes are: its slot, its record's length (-1: not in the slot), then how many bytes of each body
 * were kept and how many it had (-1: none to show).
 */
export interface SlotUse {
  readonly slot: number;
  readonly recordBytes: number;
  readonly requestKept: number;
  readonly requestTotal: number;
  readonly responseKept: number;
  readonly responseTotal: number;
}

export class EntrySlots {
  private bytes: Buffer | undefined;
  private next = 0;
  private readonly slotBytes: number;

  constructor(
    /** How many entries are held at once. */
    private readonly count: number,
    /** How many bytes of each body. */
    private readonly maxBodyBytes: number,
  ) {
    this.slotBytes = RECORD_BYTES + 2 * maxBodyBytes;
  }

  /** Writes `record` (when it fits) and the first `maxBodyBytes` of each body into the next slot. */
  keep(record: string, request: ReadBody | undefined, response: string | Buffer | undefined): SlotUse {
    // Allocated at the first entry, not at start-up: most of it is never touched when entries are small.
    const bytes = (this.bytes ??= Buffer.allocUnsafeSlow(this.count * this.slotBytes));
    const slot = this.next;
    this.next = (slot + 1) % this.count;
    let at = slot * this.slotBytes;
    // write() never splits a character, so a text that does not fit may stop up to 3 bytes short of the room's end.
    let recordBytes = bytes.write(record, at, RECORD_BYTES, 'utf8');
    if (recordBytes >= RECORD_BYTES - 3 && Buffer.byteLength(record) > recordBytes) recordBytes = -1;
    else at += recordBytes;
    const requestKept = request ? request.bytes.copy(bytes, at, 0, this.maxBodyBytes) : -1;
    at += Math.max(requestKept, 0);
    let responseKept = -1;
    let responseTotal = -1;
    if (typeof response === 'string') {
      responseKept = bytes.write(response, at, this.maxBodyBytes, 'utf8');
      responseTotal = responseKept < this.maxBodyBytes - 3 ? responseKept : Buffer.byteLength(response);
    } else if (response) {
      responseKept = response.copy(bytes, at, 0, this.maxBodyBytes);
      responseTotal = response.length;
    }
    return { slot, recordBytes, requestKept, requestTotal: request ? request.total : -1, responseKept, responseTotal };
  }

  /** The record written in a slot (undefined: it did not fit). */
  record({ slot, recordBytes }: SlotUse): string | undefined {
    if (recordBytes < 0) return undefined;
    const at = slot * this.slotBytes;
    return this.bytes!.toString('utf8', at, at + recordBytes);
  }

  /** The request's body as kept (views: valid until the slot is reused, so read them at once). */
  requestBody(use: SlotUse): ReadBody | undefined {
    if (use.requestTotal < 0) return undefined;
    const at = use.slot * this.slotBytes + Math.max(use.recordBytes, 0);
    return { bytes: this.bytes!.subarray(at, at + use.requestKept), total: use.requestTotal };
  }

  /** The response's body as kept. */
  responseBody(use: SlotUse): ReadBody | undefined {
    if (use.responseTotal < 0) return undefined;
    const at = use.slot * this.slotBytes + Math.max(use.recordBytes, 0) + Math.max(use.requestKept, 0);
    return { bytes: this.bytes!.subarray(at, at + use.responseKept), total: use.responseTotal };
  }
}
