// A profile collection (phones today; emails, addresses, ... later) as the OpenAPI document needs it, and every
// name derived from it (paths, operationIds, summaries, parameter and schema names), made in one place so that
// the pieces generated for a collection agree with each other.
import { unqualifiedName, type EntityTypeDef } from '../edm.ts';
import type { EdmModel } from '../odata/metadata.ts';

/** A profile collection as the OpenAPI paths need it (graph/ knows nothing of phones). */
export interface OpenApiCollection {
  /** The navigation property of microsoft.graph.profile and the URL segment, e.g. 'phones'. */
  readonly segment: string;
  /** The entity type, e.g. microsoft.graph.itemPhone (in the model's entityTypes). */
  readonly entity: EntityTypeDef;
  /** One item in words ('Create a phone'); when absent, singularOf(segment). */
  readonly singular?: string;
}

/** A collection with the names the document gives its pieces; the examples are phones'. */
export interface NamedCollection {
  readonly segment: string;
  readonly entity: EntityTypeDef;
  /** itemPhone: in the item path's parameter and the descriptions. */
  readonly shortName: string;
  /** phone */
  readonly singular: string;
  /** Phones: ListPhones, CreatePhones, ... (Graph's operationIds name the collection, also for one item). */
  readonly operationWord: string;
  /** itemPhone-id: the path template's name, as Graph's OpenAPI has it. */
  readonly idName: string;
  /** itemPhoneId: its component. */
  readonly idParameter: string;
  /** select: the component of $select, whose enum is this entity's properties. */
  readonly selectParameter: string;
  /** microsoft.graph.itemPhoneCollectionResponse: the list operation's page. */
  readonly responseSchema: string;
}

/**
 * Names each collection, after checking it against `model`: its entity type is declared there and
 * microsoft.graph.profile has it as the collection-valued navigation property `segment` (else $metadata and
 * $expand would not match the paths). Throws when there is no collection or one does not fit.
 */
export function nameCollections(model: EdmModel, collections: readonly OpenApiCollection[]): NamedCollection[] {
  if (collections.length === 0) throw new Error('the OpenAPI document needs at least one profile collection');
  const profile = model.entityTypes.find((e) => e.type.name === 'microsoft.graph.profile');
  const segments = new Set<string>();
  return collections.map((c, i) => {
    if (segments.has(c.segment)) throw new Error(`profile collection ${c.segment} declared twice`);
    segments.add(c.segment);
    if (!model.entityTypes.some((e) => e.type.name === c.entity.name)) throw new Error(`${c.entity.name} is not in the model`);
    const nav = profile?.navigationProperties?.find((n) => n.name === c.segment);
    if (!nav || !nav.collection || nav.target !== c.entity.name) {
      throw new Error(`microsoft.graph.profile has no navigation property ${c.segment} to a collection of ${c.entity.name}`);
    }
    const short = unqualifiedName(c.entity.name);
    return {
      segment: c.segment,
      entity: c.entity,
      shortName: short,
      singular: c.singular ?? singularOf(c.segment),
      operationWord: capitalized(c.segment),
      idName: `${short}-id`,
      idParameter: `${short}Id`,
      // The first collection's keeps the plain name a one-collection document has always had, so that declaring
      // another collection changes nothing already published.
      selectParameter: i === 0 ? 'select' : `select.${short}`,
      responseSchema: `${c.entity.name}CollectionResponse`,
    };
  });
}

/**
 * The singular of a profile collection's name, as far as Graph's names need: phones -> phone,
 * addresses -> address, anniversaries -> anniversary, educationalActivities -> educationalActivity.
 * A collection whose name this gets wrong declares `singular`.
 */
export function singularOf(plural: string): string {
  if (plural.endsWith('ies')) return `${plural.slice(0, -3)}y`;
  if (/(ss|sh|ch|x)es$/.test(plural)) return plural.slice(0, -2);
  if (plural.endsWith('s')) return plural.slice(0, -1);
  return plural;
}

/**
 * `word` with its indefinite article: a phone, an email, an itemPhone. By the first letter, and `u` takes
 * `a` (a userAccountInformation), which is right for the English words Graph's type names start with.
 */
export function withArticle(word: string): string {
  return `${/^[aeio]/i.test(word) ? 'an' : 'a'} ${word}`;
}

/** phones; phones and emails; phones, emails and addresses. */
export function listed(words: readonly string[]): string {
  return words.length <= 1 ? words.join('') : `${words.slice(0, -1).join(', ')} and ${words.at(-1)}`;
}

/** phones -> Phones */
export const capitalized = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);
