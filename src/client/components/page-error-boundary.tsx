/**
 * Keeps a rendering failure in one page from blanking the whole app: the page
 * is replaced by a notice, the header stays, and going to another address
 * (`resetKey`) tries again. A page's data comes from the server and from other
 * members, so a value the page did not expect must not take the app down.
 */
import { Component, type ReactNode } from 'react';

interface Props {
  /** The current address: a new one renders the page again. */
  resetKey: string;
  children: ReactNode;
}

export class PageErrorBoundary extends Component<Props, { failed: boolean }> {
  override state = { failed: false };

  static getDerivedStateFromError(): { failed: boolean } {
    return { failed: true };
  }

  override componentDidCatch(error: unknown): void {
    console.error('page failed to render', error);
  }

  override componentDidUpdate(previous: Props): void {
    if (this.state.failed && previous.resetKey !== this.props.resetKey) this.setState({ failed: false });
  }

  override render(): ReactNode {
    if (!this.state.failed) return this.props.children;
    return (
      <main className="mx-auto w-full max-w-xl px-4 py-12" data-testid="page-failed">
        <div className="card space-y-4">
          <h1 className="text-xl font-semibold">This page could not be shown</h1>
          <p className="text-sm text-zinc-700 dark:text-zinc-300">Something it received was not what it expected. Reloading may help.</p>
          <button type="button" className="btn-primary" onClick={() => window.location.reload()}>
            Reload
          </button>
        </div>
      </main>
    );
  }
}
