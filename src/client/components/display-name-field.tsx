/**
 * The editable display name. Saved on blur or Enter; an empty name snaps back
 * to the previous one rather than sending nameless messages.
 */
import { useEffect, useId, useState } from 'react';
import { useIdentity } from '../app/identity.js';
import { NAME_MAX_CHARS, normaliseDisplayName } from '../app/display-name.js';

export function DisplayNameField() {
  const { displayName, rename } = useIdentity();
  const [draft, setDraft] = useState(displayName);
  const id = useId();

  useEffect(() => setDraft(displayName), [displayName]);

  const commit = () => {
    const name = normaliseDisplayName(draft);
    if (name) rename(name);
    else setDraft(displayName);
  };

  return (
    <div className="flex min-w-0 items-center gap-2">
      <label htmlFor={id} className="shrink-0 text-xs text-zinc-500 dark:text-zinc-400">
        You are
      </label>
      <input
        id={id}
        data-testid="display-name"
        className="field min-w-0 w-44 py-1 text-sm sm:w-56"
        value={draft}
        maxLength={NAME_MAX_CHARS}
        autoComplete="off"
        spellCheck={false}
        onChange={(event) => setDraft(event.target.value)}
        onBlur={commit}
        onKeyDown={(event) => {
          if (event.key === 'Enter') {
            event.preventDefault();
            commit();
            event.currentTarget.blur();
          }
        }}
      />
    </div>
  );
}
