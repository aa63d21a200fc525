// The v3 client (@microsoft/microsoft-graph-client) over plain http. Its default AuthenticationHandler removes the
// token from any request that is not https, so the chain is built with a small middleware that adds it.
// Over http its PageIterator cannot follow @odata.nextLink (it only strips https:// hosts): page with https.
// Run: GRAPH_BASE_URL=http://127.0.0.1:8080 GRAPH_TOKEN=$(npm run -s token -- --user you@contoso.com) node --import tsx examples/graph-client-v3-http.ts
import { randomUUID } from 'node:crypto';
import graph, { type Context, type Middleware } from '@microsoft/microsoft-graph-client';

const { Client, GraphError, HTTPMessageHandler, RetryHandler } = graph;
const baseUrl = process.env.GRAPH_BASE_URL ?? 'http://127.0.0.1:8080';
const token = process.env.GRAPH_TOKEN ?? '';

/** Adds the token and a client-request-id to every request, as AuthenticationHandler does over https. */
class BearerToken implements Middleware {
  private next!: Middleware;
  async execute(context: Context): Promise<void> {
    const headers = { ...(context.options?.headers as Record<string, string>), Authorization: `Bearer ${token}`, 'client-request-id': randomUUID() };
    context.options = { ...context.options, headers };
    return this.next.execute(context);
  }
  setNext(next: Middleware): void {
    this.next = next;
  }
}
const auth = new BearerToken();
const retry = new RetryHandler(); // 429, 503 and 504, honouring Retry-After
const send = new HTTPMessageHandler();
auth.setNext(retry);
retry.setNext(send);
const client = Client.initWithMiddleware({ baseUrl, defaultVersion: 'beta', middleware: [auth, retry, send] });

const created = await client.api('/me/profile/phones').post({ displayName: 'Car Phone', number: '+7 499 342 22 13', type: 'mobile' });
console.log('created', created.id, created.number);

const updated = await client.api(`/me/profile/phones/${created.id}`).patch({ displayName: 'Car' });
console.log('updated', updated.displayName);

const page = await client.api('/me/profile/phones').select('number,type').top(2).get();
console.log('listed', page.value.length);

await client.api(`/me/profile/phones/${created.id}`).delete();
try {
  await client.api(`/me/profile/phones/${created.id}`).get();
} catch (err) {
  if (!(err instanceof GraphError)) throw err;
  console.log('after delete', err.statusCode, err.code, err.requestId);
}
