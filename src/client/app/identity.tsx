/**
 * The person's display name for this browser, shared by the header (where it
 * is edited) and the room (where it goes into every envelope).
 */
import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from 'react';
import { loadDisplayName, saveDisplayName } from '../storage/identity.js';

interface Identity {
  displayName: string;
  rename(name: string): void;
}

const IdentityContext = createContext<Identity | null>(null);

export function IdentityProvider({ children }: { children: ReactNode }) {
  const [displayName, setDisplayName] = useState(loadDisplayName);
  const rename = useCallback((name: string) => {
    saveDisplayName(name);
    setDisplayName(name);
  }, []);
  const value = useMemo(() => ({ displayName, rename }), [displayName, rename]);
  return <IdentityContext value={value}>{children}</IdentityContext>;
}

export function useIdentity(): Identity {
  const identity = useContext(IdentityContext);
  if (!identity) throw new Error('useIdentity outside IdentityProvider');
  return identity;
}
