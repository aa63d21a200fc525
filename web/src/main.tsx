// The page's entry: settle the sign-in (web-config.json, MSAL, the redirect back from signing in), then render.
import { render } from 'preact';
import { startAuth } from './auth.ts';
import { App } from './components/App.tsx';
import { Header } from './components/Header.tsx';
import { CannotStart } from './components/SignedOut.tsx';
import './styles.css';

/** index.html's <div id="app">, or one made for the page. */
function root(): HTMLElement {
  const found = document.getElementById('app');
  if (found) return found;
  const made = document.createElement('div');
  made.id = 'app';
  document.body.append(made);
  return made;
}

startAuth('/').then(
  (auth) => render(<App auth={auth} />, root()),
  (error: unknown) =>
    render(
      <>
        <Header person={null} signOut={async () => {}} />
        <CannotStart error={error} />
      </>,
      root(),
    ),
);
