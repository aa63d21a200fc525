// Plain words for what the API says in its own terms: a phone's type, who can see it, and the service's validation
// messages. No DOM here: the unit tests (test/web.graph.test.ts) import it under Node.
import type { FormField, GraphRequestError } from './graph.ts';

/** Every itemPhone type (microsoft.graph.phoneType), in the service's order. */
export const PHONE_TYPES = ['home', 'business', 'mobile', 'other', 'assistant', 'homeFax', 'businessFax', 'otherFax', 'pager', 'radio'] as const;

const TYPE_WORDS: Readonly<Record<string, string>> = {
  home: 'Home',
  business: 'Work',
  mobile: 'Mobile',
  other: 'Other',
  assistant: 'Assistant',
  homeFax: 'Home fax',
  businessFax: 'Work fax',
  otherFax: 'Other fax',
  pager: 'Pager',
  radio: 'Radio',
};

/** Every audience a person can choose (microsoft.graph.allowedAudiences without unknownFutureValue), narrowest first. */
export const AUDIENCES = ['me', 'family', 'contacts', 'groupMembers', 'organization', 'federatedOrganizations', 'everyone'] as const;

/** What a new phone is visible to unless the person chooses otherwise (the service's default too). */
export const DEFAULT_AUDIENCE = 'organization';

const AUDIENCE_WORDS: Readonly<Record<string, string>> = {
  me: 'Only me',
  family: 'My family',
  contacts: 'My contacts',
  groupMembers: 'Members of my groups',
  organization: 'Everyone in your organization',
  federatedOrganizations: 'People in federated organizations',
  everyone: 'Everyone',
};

/** A phone's type in plain words; null (a phone stored without one) is "No type". */
export function typeInWords(type: string | null): string {
  if (type === null) return 'No type';
  return TYPE_WORDS[type] ?? type;
}

/**
 * Who can see a phone, from allowedAudiences as the API writes it: one comma-separated string ("me,family").
 * `me` (Graph's 0, no one beyond the owner) says nothing more next to another audience, so it is left out then.
 */
export function audiencesInWords(allowedAudiences: string): string {
  const members = allowedAudiences.split(',').map((a) => a.trim()).filter((a) => a !== '');
  const shown = members.length > 1 ? members.filter((a) => a !== 'me') : members;
  if (shown.length === 0) return AUDIENCE_WORDS.me!;
  return shown.map((a) => AUDIENCE_WORDS[a] ?? a).join(', ');
}

/** The form's fields as their labels name them. */
export const FIELD_LABELS: Readonly<Record<FormField, string>> = {
  number: 'Number',
  displayName: 'Name',
  type: 'Type',
  allowedAudiences: 'Visible to',
};

/**
 * A service error in words for the person filling the form. The validation messages the service sends
 * (src/graph/edm.ts, src/profile/phones/collection.ts) name properties as the API does ('displayName'); here they name
 * the field by its label. Any other message is shown as the service wrote it.
 */
export function errorInWords(err: Pick<GraphRequestError, 'message' | 'field'>): string {
  const field = err.field;
  if (field === undefined) return err.message;
  const label = FIELD_LABELS[field];
  const m = err.message;
  if (/cannot be empty|is required|A null value was found/.test(m)) return `Enter a ${label.toLowerCase()}.`;
  const long = /is (\d+) characters long; at most (\d+) are allowed/.exec(m);
  if (long) return `${label} is too long: ${long[1]} characters, at most ${long[2]}.`;
  if (/contains .*which is not allowed/.test(m)) return `${label} contains characters that cannot be stored. Remove them and try again.`;
  if (/not a valid enumeration type constant|Cannot convert the literal|must name at least one member/.test(m)) {
    return `Choose one of the choices offered for “${label}”.`;
  }
  return `${label}: ${m}`;
}

/** Any failed request in words: the field's words for a validation error, what happens next for the rest. */
export function requestErrorInWords(err: Pick<GraphRequestError, 'status' | 'message' | 'field'>): string {
  if (err.status === 0) return err.message; // graph.ts's NETWORK_FAILURE, or what went wrong before a request
  if (err.status === 401) return 'Your sign-in has ended. Taking you to sign in again…';
  if (err.status === 429 || err.status === 503) return 'The service is busy. Wait a minute, then try again.';
  if (err.status === 400) return errorInWords(err);
  return err.message;
}

/** "Waiting N seconds, then trying again…" for a 429 or 503's Retry-After. */
export function waitingInWords(seconds: number): string {
  return `Waiting ${seconds} ${seconds === 1 ? 'second' : 'seconds'}, then trying again…`;
}

/**
 * A tel: link (RFC 3966) for a number as people type it: "+1 (425) 555-0100" -> tel:+14255550100, an extension
 * ("x123", "ext. 123") as ;ext=123. null when the number has no digits to dial.
 */
export function telHref(number: string): string | null {
  const [main = '', extension] = number.trim().split(/\s*(?:;ext=|\bext\.?|\bextension\b|x)\s*/i);
  const digits = main.replace(/\D/g, '');
  if (digits === '') return null;
  const ext = extension?.replace(/\D/g, '');
  return `tel:${main.startsWith('+') ? '+' : ''}${digits}${ext ? `;ext=${ext}` : ''}`;
}
