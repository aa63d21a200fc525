// The Kiota beta SDK (@microsoft/msgraph-beta-sdk) against this service: only the base URL changes.
// Run: GRAPH_BASE_URL=http://127.0.0.1:8080 GRAPH_TOKEN=$(npm run -s token -- --user you@contoso.com) node --import tsx examples/kiota.ts
// Over https, add NODE_EXTRA_CA_CERTS=data/dev-tls-cert.pem (see "HTTPS"); nothing else changes.
import { AllowedHostsValidator, BaseBearerTokenAuthenticationProvider } from '@microsoft/kiota-abstractions';
import { GraphBetaRequestAdapter } from '@microsoft/msgraph-beta-sdk';
import { PageIterator } from '@microsoft/msgraph-sdk-core';
import { createItemPhoneCollectionResponseFromDiscriminatorValue, type ItemPhone } from '@microsoft/msgraph-beta-sdk/models/index.js';
import { errorMappings, profilePhonesClient } from './kiota-navigation.ts';

const baseUrl = process.env.GRAPH_BASE_URL ?? 'http://127.0.0.1:8080';
const token = process.env.GRAPH_TOKEN ?? '';

const adapter = new GraphBetaRequestAdapter(
  new BaseBearerTokenAuthenticationProvider({
    getAuthorizationToken: async () => token,
    // Kiota sends the token only to allowed hosts (compared without the port).
    getAllowedHostsValidator: () => new AllowedHostsValidator(new Set([new URL(baseUrl).hostname])),
  }),
);
adapter.baseUrl = `${baseUrl}/beta`; // instead of https://graph.microsoft.com/beta
const phones = profilePhonesClient(adapter).me.profile.phones;

const created = (await phones.post({ displayName: 'Car Phone', number: '+7 499 342 22 13', type: 'mobile' }))!;
console.log('created', created.id, created.number);

const updated = (await phones.byItemPhoneId(created.id!).patch({ displayName: 'Car' }))!;
console.log('updated', updated.displayName);

// $select and $top, then PageIterator follows @odata.nextLink through every page.
const firstPage = (await phones.get({ queryParameters: { select: ['number', 'type'], top: 2 } }))!;
const numbers: string[] = [];
await new PageIterator<ItemPhone>(
  adapter,
  { value: firstPage.value ?? [], odataNextLink: firstPage.odataNextLink ?? undefined },
  (phone) => numbers.push(phone.number!) > 0,
  createItemPhoneCollectionResponseFromDiscriminatorValue,
  errorMappings,
).iterate();
console.log('listed', numbers.length);

await phones.byItemPhoneId(created.id!).delete();
try {
  await phones.byItemPhoneId(created.id!).get();
} catch (err) {
  // Graph's errors arrive as the SDK's ODataError: status, code, message and innerError (request-id, date).
  const e = err as { responseStatusCode?: number; errorEscaped?: { code?: string; innerError?: { requestId?: string } } };
  console.log('after delete', e.responseStatusCode, e.errorEscaped?.code, e.errorEscaped?.innerError?.requestId);
}
