// Asks before a phone is deleted, in a modal dialog whose confirming button is "Delete" (focus starts on "Cancel",
// the choice that loses nothing). A failed delete is said in the dialog's role=alert region and the dialog stays.
import { useId, useRef, useState } from 'preact/hooks';
import { asRequestError, type CallOptions, type Phone } from '../graph.ts';
import { requestErrorInWords, waitingInWords } from '../words.ts';
import { Modal } from './Modal.tsx';

interface ConfirmDeleteProps {
  phone: Phone;
  confirm: (call: CallOptions) => Promise<void>;
  onCancel: () => void;
  returnFocus: () => HTMLElement | null;
}

export function ConfirmDelete({ phone, confirm, onCancel, returnFocus }: ConfirmDeleteProps) {
  const titleId = `${useId()}-title`;
  const [alert, setAlert] = useState('');
  const [busy, setBusy] = useState(false);
  const [waiting, setWaiting] = useState<number | null>(null);
  const cancelButton = useRef<HTMLButtonElement>(null);

  async function remove() {
    if (busy) return;
    setBusy(true);
    setAlert('');
    try {
      await confirm({ onWait: setWaiting });
    } catch (caught) {
      setBusy(false);
      setWaiting(null);
      setAlert(requestErrorInWords(asRequestError(caught)));
    }
  }

  return (
    <Modal labelledBy={titleId} onClose={onCancel} returnFocus={returnFocus} initialFocus={() => cancelButton.current}>
      <div class="form">
        <h2 id={titleId}>Delete {phone.number}?</h2>
        <p>
          {phone.displayName ? `“${phone.displayName}”, ${phone.number},` : phone.number} will be removed from your profile. This cannot be
          undone.
        </p>
        <div role="alert" class="form-alert">
          {alert && <p>{alert}</p>}
        </div>
        <p role="status" class="form-status">
          {waiting !== null ? waitingInWords(waiting) : busy ? 'Deleting…' : ''}
        </p>
        <div class="actions">
          <button type="button" class="button button-danger-solid" aria-disabled={busy ? 'true' : undefined} onClick={remove}>
            Delete
          </button>
          <button type="button" class="button" ref={cancelButton} onClick={onCancel}>
            Cancel
          </button>
        </div>
      </div>
    </Modal>
  );
}
