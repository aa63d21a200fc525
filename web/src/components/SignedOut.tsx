// What someone not signed in sees: what the page is for and "Sign in"; or, when the service cannot offer sign-in
// (served over plain http, entra mode without WEB_CLIENT_ID), why. Also the screen for a page that could not start.
import { useEffect, useState } from 'preact/hooks';
import type { WebConfig } from '../auth.ts';

interface SignedOutProps {
  config: WebConfig;
  signIn: () => Promise<void>;
}

export function SignedOut({ config, signIn }: SignedOutProps) {
  const [failed, setFailed] = useState('');
  useEffect(() => {
    document.title = 'Sign in – Profile phones';
  }, []);
  if (!config.signIn) {
    return (
      <main id="main" class="main">
        <h1>Sign-in is not available</h1>
        <p>{config.reason ?? 'This service is not set up for signing in to this page.'}</p>
      </main>
    );
  }
  return (
    <main id="main" class="main">
      <h1>Sign in to see your phones</h1>
      <p>Profile phones keeps the phone numbers on your profile and who can see each one. Sign in with your work account to see and change them.</p>
      <div role="alert" class="page-alert">
        {failed && <p>{failed}</p>}
      </div>
      <button
        type="button"
        class="button button-primary"
        onClick={() => {
          signIn().catch((err: unknown) => setFailed(`Could not start signing in: ${err instanceof Error ? err.message : String(err)}`));
        }}
      >
        Sign in
      </button>
    </main>
  );
}

/** The page could not start (web-config.json unreadable, the sign-in library refused its settings). */
export function CannotStart({ error }: { error: unknown }) {
  useEffect(() => {
    document.title = 'Profile phones';
  }, []);
  return (
    <main id="main" class="main">
      <h1>Profile phones could not start</h1>
      <p>{error instanceof Error ? error.message : String(error)}</p>
      <button type="button" class="button button-primary" onClick={() => location.reload()}>
        Try again
      </button>
    </main>
  );
}
