// The page once the sign-in is settled: the header, then the screen for who is (not) signed in and what the address
// asks for: the person's own phones at /, a colleague's at /?user=<userPrincipalName>.
import { useMemo } from 'preact/hooks';
import type { Auth } from '../auth.ts';
import { createGraphClient } from '../graph.ts';
import { ColleaguePhones } from './ColleaguePhones.tsx';
import { Header } from './Header.tsx';
import { MyPhones } from './MyPhones.tsx';
import { SignedOut } from './SignedOut.tsx';

export function App({ auth }: { auth: Auth }) {
  const client = useMemo(() => createGraphClient({ baseUrl: auth.config.graphBaseUrl, tokens: auth }), [auth]);
  const colleague = new URLSearchParams(location.search).get('user')?.trim() ?? '';
  return (
    <>
      <Header person={auth.person} signOut={() => auth.signOut()} />
      {auth.person === null ? (
        <SignedOut config={auth.config} signIn={() => auth.signIn()} />
      ) : colleague !== '' ? (
        <ColleaguePhones client={client} upn={colleague} />
      ) : (
        <MyPhones client={client} />
      )}
    </>
  );
}
