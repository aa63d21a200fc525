// A native modal <dialog>: shown with showModal() when mounted (the rest of the page inert, focus inside), closed when
// unmounted. Escape closes it natively; either way the owner is told (onClose) and focus goes back where it came from.
import type { ComponentChildren } from 'preact';
import { useLayoutEffect, useRef } from 'preact/hooks';

interface ModalProps {
  /** The id of the dialog's heading. */
  labelledBy: string;
  /** Called when the dialog closes by itself (Escape); the owner then unmounts it. */
  onClose: () => void;
  /** The element to focus once open (default: the first focusable one, as showModal does). */
  initialFocus?: () => HTMLElement | null;
  /** The element focus returns to when the dialog goes (the button that opened it). */
  returnFocus: () => HTMLElement | null;
  children: ComponentChildren;
}

export function Modal({ labelledBy, onClose, initialFocus, returnFocus, children }: ModalProps) {
  const dialog = useRef<HTMLDialogElement>(null);
  // The latest callbacks, read when the dialog closes or goes, not when it opened.
  const latest = useRef({ onClose, returnFocus });
  latest.current = { onClose, returnFocus };
  const gone = useRef(false);

  useLayoutEffect(() => {
    const d = dialog.current!;
    d.showModal();
    initialFocus?.()?.focus();
    return () => {
      gone.current = true; // the close event close() queues is not an Escape to report
      if (d.open) d.close();
      latest.current.returnFocus()?.focus();
    };
  }, []);

  return (
    <dialog
      ref={dialog}
      class="dialog"
      aria-labelledby={labelledBy}
      onClose={() => {
        if (!gone.current) latest.current.onClose();
      }}
    >
      {children}
    </dialog>
  );
}
