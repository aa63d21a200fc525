// A colleague's phones (/?user=<userPrincipalName>), read-only: what the API shows the signed-in person of them
// (the phones they share with the organization). No such person (404) and not allowed (403) are said plainly.
import { useEffect, useId, useState } from 'preact/hooks';
import { asRequestError, type GraphClient, type Phone } from '../graph.ts';
import { requestErrorInWords, waitingInWords } from '../words.ts';
import { PhoneList } from './PhoneList.tsx';

export function ColleaguePhones({ client, upn }: { client: GraphClient; upn: string }) {
  const id = useId();
  const [phones, setPhones] = useState<Phone[] | null>(null);
  const [error, setError] = useState('');
  const [waiting, setWaiting] = useState<number | null>(null);
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    document.title = `Phones of ${upn} – Profile phones`;
    let current = true;
    setError('');
    client
      .listPhonesOf(upn, { onWait: (s) => current && setWaiting(s) })
      .then((list) => current && setPhones(list))
      .catch((caught: unknown) => {
        if (!current) return;
        const err = asRequestError(caught);
        if (err.status === 404) setError(`There is no such person: no one in your organization has the user name ${upn}.`);
        else if (err.status === 403) setError(`You may not see the phones of ${upn}.`);
        else setError(`The phones of ${upn} could not be loaded. ${requestErrorInWords(err)}`);
      })
      .finally(() => current && setWaiting(null));
    return () => {
      current = false;
    };
  }, [client, upn, attempt]);

  const retryable = error !== '' && !/^There is no such person|^You may not see/.test(error);
  return (
    <main id="main" class="main">
      <p class="back">
        <a href="/">Back to my phones</a>
      </p>
      <h1 id={`${id}-heading`}>Phones of {upn}</h1>
      <p role="status" class="page-status">
        {waiting !== null ? waitingInWords(waiting) : ''}
      </p>
      <div role="alert" class="page-alert">
        {error && <p>{error}</p>}
        {retryable && (
          <button type="button" class="button" onClick={() => setAttempt((n) => n + 1)}>
            Try again
          </button>
        )}
      </div>
      {phones === null ? (
        !error && <p class="muted">Loading…</p>
      ) : phones.length === 0 ? (
        <p class="empty">{upn} has no phones you can see.</p>
      ) : (
        <PhoneList phones={phones} labelledBy={`${id}-heading`} />
      )}
    </main>
  );
}
