/** A full-page explanation (missing key, insecure context, unknown address) with a way back. */
import type { ReactNode } from 'react';
import { useNavigation } from '../app/navigation.js';

export function NoticePage({ title, children, testId }: { title: string; children: ReactNode; testId?: string }) {
  const { navigate } = useNavigation();
  return (
    <main className="mx-auto w-full max-w-xl px-4 py-12" data-testid={testId}>
      <div className="card space-y-4">
        <h1 className="text-xl font-semibold">{title}</h1>
        <div className="space-y-3 text-sm text-zinc-700 dark:text-zinc-300">{children}</div>
        <button type="button" className="btn-secondary" onClick={() => navigate('/')}>
          Back to the lobby
        </button>
      </div>
    </main>
  );
}
