// The page's banner: the service's name, who is signed in, and "Sign out".
import { useState } from 'preact/hooks';
import type { Person } from '../auth.ts';

interface HeaderProps {
  person: Person | null;
  signOut: () => Promise<void>;
}

export function Header({ person, signOut }: HeaderProps) {
  const [failed, setFailed] = useState('');
  return (
    <header class="site-header">
      <div class="site-header-inner">
        <p class="service-name">
          <a href="/">Profile phones</a>
        </p>
        {person && (
          <div class="account">
            <p class="person" title={person.username}>
              <span class="visually-hidden">Signed in as </span>
              {person.name || person.username}
            </p>
            <button
              type="button"
              class="button"
              onClick={() => {
                signOut().catch((err: unknown) => setFailed(`Could not sign out: ${err instanceof Error ? err.message : String(err)}`));
              }}
            >
              Sign out
            </button>
          </div>
        )}
      </div>
      <div role="alert" class="header-alert">
        {failed && <p>{failed}</p>}
      </div>
    </header>
  );
}
