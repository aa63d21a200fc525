// The v3 client (@microsoft/microsoft-graph-client) over https, with its default middleware: only the base URL
// and customHosts change. It sends the token only over https, to graph.microsoft.com or a host in customHosts.
// Run: GRAPH_BASE_URL=https://127.0.0.1:8443 GRAPH_TOKEN=$(npm run -s token -- --user you@contoso.com) \
//        NODE_EXTRA_CA_CERTS=data/dev-tls-cert.pem node --import tsx examples/graph-client-v3.ts
import graph from '@microsoft/microsoft-graph-client';

const { Client, GraphError, PageIterator } = graph;
const baseUrl = process.env.GRAPH_BASE_URL ?? 'https://127.0.0.1:8443';
const token = process.env.GRAPH_TOKEN ?? '';

const client = Client.initWithMiddleware({
  baseUrl, // instead of https://graph.microsoft.com
  defaultVersion: 'beta',
  customHosts: new Set([new URL(baseUrl).hostname]), // the host name only: with a port it never matches
  authProvider: { getAccessToken: async () => token },
});

const created = await client.api('/me/profile/phones').post({ displayName: 'Car Phone', number: '+7 499 342 22 13', type: 'mobile' });
console.log('created', created.id, created.number);

const updated = await client.api(`/me/profile/phones/${created.id}`).patch({ displayName: 'Car' });
console.log('updated', updated.displayName);

// $select and $top, then PageIterator follows @odata.nextLink through every page.
const firstPage = await client.api('/me/profile/phones').select('number,type').top(2).get();
const numbers: string[] = [];
await new PageIterator(client, firstPage, (phone) => numbers.push(phone.number) > 0).iterate();
console.log('listed', numbers.length);

await client.api(`/me/profile/phones/${created.id}`).delete();
try {
  await client.api(`/me/profile/phones/${created.id}`).get();
} catch (err) {
  if (!(err instanceof GraphError)) throw err;
  console.log('after delete', err.statusCode, err.code, err.requestId);
}
