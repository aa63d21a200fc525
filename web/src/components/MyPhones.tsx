// "My phones": the signed-in person's phones, with "Add phone", and Edit and Delete on each. Every change is made
// through the API and the list is then read again from it; what happened is said in the page's role=status region.
import { useCallback, useEffect, useId, useRef, useState } from 'preact/hooks';
import { asRequestError, type GraphClient, type Phone } from '../graph.ts';
import { requestErrorInWords, waitingInWords } from '../words.ts';
import { ConfirmDelete } from './ConfirmDelete.tsx';
import { PhoneForm } from './PhoneForm.tsx';
import { PhoneList } from './PhoneList.tsx';

type Dialog = { kind: 'add' } | { kind: 'edit'; phone: Phone; opener: HTMLElement } | { kind: 'delete'; phone: Phone; opener: HTMLElement };

export function MyPhones({ client }: { client: GraphClient }) {
  const id = useId();
  const [phones, setPhones] = useState<Phone[] | null>(null);
  const [loadError, setLoadError] = useState('');
  const [waiting, setWaiting] = useState<number | null>(null);
  const [notice, setNotice] = useState('');
  const [dialog, setDialog] = useState<Dialog | null>(null);
  const addButton = useRef<HTMLButtonElement>(null);
  // A deleted phone's buttons go with it: focus then returns to "Add phone" instead.
  const deleted = useRef(false);
  // Only the latest load's answer is shown (a reload may overtake an earlier one).
  const loads = useRef(0);

  const load = useCallback(async () => {
    const mine = ++loads.current;
    setLoadError('');
    try {
      const list = await client.listMyPhones({ onWait: (s) => mine === loads.current && setWaiting(s) });
      if (mine === loads.current) setPhones(list);
    } catch (err) {
      if (mine === loads.current) setLoadError(requestErrorInWords(asRequestError(err)));
    } finally {
      if (mine === loads.current) setWaiting(null);
    }
  }, [client]);

  useEffect(() => {
    document.title = 'My phones – Profile phones';
    void load();
  }, [load]);

  const close = () => setDialog(null);
  const afterChange = (said: string) => {
    setDialog(null);
    setNotice(said);
    void load();
  };

  return (
    <main id="main" class="main">
      <h1 id={`${id}-heading`}>My phones</h1>
      <p role="status" class="page-status">
        {waiting !== null ? waitingInWords(waiting) : notice}
      </p>
      <div role="alert" class="page-alert">
        {loadError && (
          <>
            <p>Your phones could not be loaded. {loadError}</p>
            <button type="button" class="button" onClick={() => void load()}>
              Try again
            </button>
          </>
        )}
      </div>
      <p>
        <button type="button" class="button button-primary" ref={addButton} onClick={() => setDialog({ kind: 'add' })}>
          Add phone
        </button>
      </p>
      {phones === null ? (
        !loadError && <p class="muted">Loading your phones…</p>
      ) : phones.length === 0 ? (
        <p class="empty">You have no phones yet. Add one with “Add phone”.</p>
      ) : (
        <PhoneList
          phones={phones}
          labelledBy={`${id}-heading`}
          onEdit={(phone, opener) => setDialog({ kind: 'edit', phone, opener })}
          onDelete={(phone, opener) => {
            deleted.current = false;
            setDialog({ kind: 'delete', phone, opener });
          }}
        />
      )}

      <ColleagueLookup />

      {dialog?.kind === 'add' && (
        <PhoneForm
          title="Add phone"
          save={async (fields, call) => {
            const added = await client.addPhone(fields, call);
            afterChange(`Added ${added.number}.`);
          }}
          onCancel={close}
          returnFocus={() => addButton.current}
        />
      )}
      {dialog?.kind === 'edit' && (
        <PhoneForm
          key={dialog.phone.id}
          title={`Edit ${dialog.phone.number}`}
          initial={dialog.phone}
          save={async (fields, call) => {
            const saved = await client.updatePhone(dialog.phone.id, fields, call);
            afterChange(`Saved ${saved.number}.`);
          }}
          onCancel={close}
          returnFocus={() => (dialog.opener.isConnected ? dialog.opener : addButton.current)}
        />
      )}
      {dialog?.kind === 'delete' && (
        <ConfirmDelete
          phone={dialog.phone}
          confirm={async (call) => {
            await client.deletePhone(dialog.phone.id, call);
            deleted.current = true;
            afterChange(`Deleted ${dialog.phone.number}.`);
          }}
          onCancel={close}
          returnFocus={() => (deleted.current || !dialog.opener.isConnected ? addButton.current : dialog.opener)}
        />
      )}
    </main>
  );
}

/** A plain GET form to /?user=<upn>: a colleague's phones, read-only. */
function ColleagueLookup() {
  const id = useId();
  return (
    <section class="colleague" aria-labelledby={`${id}-heading`}>
      <h2 id={`${id}-heading`}>A colleague's phones</h2>
      <form method="get" action="/" class="colleague-form">
        <div class="field">
          {/* Not "user name": the add form's "Name" would then be ambiguous to anything that finds fields by label. */}
          <label for={`${id}-upn`}>Colleague's sign-in address</label>
          <p id={`${id}-hint`} class="hint">
            The address they sign in with, such as adele@contoso.com.
          </p>
          <input
            id={`${id}-upn`}
            name="user"
            type="text"
            autocomplete="off"
            spellcheck={false}
            autocapitalize="none"
            required
            aria-describedby={`${id}-hint`}
          />
        </div>
        <button type="submit" class="button">
          Show their phones
        </button>
      </form>
    </section>
  );
}
