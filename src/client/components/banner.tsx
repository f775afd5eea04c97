/** The one banner of the page: why the person is here (room ended, full, gone…). */
import { CloseIcon } from './icons.js';
import { bannerText, type Banner as BannerValue } from '../app/banners.js';

export function Banner({ banner, onDismiss }: { banner: BannerValue; onDismiss(): void }) {
  const calm = banner.kind === 'destroyed_by_you';
  return (
    <div
      role="alert"
      data-testid="banner"
      data-kind={banner.kind}
      className={`flex items-start gap-3 rounded-lg border px-4 py-3 text-sm ${
        calm
          ? 'border-emerald-300 bg-emerald-50 text-emerald-900 dark:border-emerald-800 dark:bg-emerald-950 dark:text-emerald-100'
          : 'border-amber-300 bg-amber-50 text-amber-950 dark:border-amber-800 dark:bg-amber-950 dark:text-amber-100'
      }`}
    >
      <p className="flex-1">{bannerText(banner)}</p>
      <button type="button" onClick={onDismiss} className="btn-ghost -my-1 px-2 py-1" aria-label="Dismiss">
        <CloseIcon />
      </button>
    </div>
  );
}
