// A GUID's text (8-4-4-4-12 hex digits, either case), defined once for every place that recognises one:
// /users/{id} against a userPrincipalName, ENTRA_TENANTS, and a bare GUID literal in $filter. Imports nothing.
// (uuid's validate() would refuse ids whose version and variant digits are not RFC 9562's; Graph's need not be.)

/** The digits and dashes, unanchored and case-insensitive: the anchored and sticky forms are built from its source. */
export const GUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;

const WHOLE_GUID = new RegExp(`^${GUID.source}$`, 'i');

/** Whether the whole of `text` is a GUID, in either case. */
export const isGuid = (text: string): boolean => WHOLE_GUID.test(text);
