import { Home } from 'lucide-react';
import Link from 'next/link';
import { LogoutButton } from '@/components/auth/logout-button';

const PAGES = [
  { href: '/jobs-test', label: 'Jobs dashboard' },
  { href: '/jobs-test/monitoring', label: 'Monitoring' },
  { href: '/auth/mfa/enroll', label: 'Two-factor authentication' },
] as const;

const linkClass = 'rounded font-medium hover:underline focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600';

/** The signed-in pages' header: where you are, where you can go, who you are. */
export function DashboardHeader({ current, email }: { current: (typeof PAGES)[number]['href']; email: string | undefined }) {
  return (
    <header className="border-b border-slate-200 bg-white">
      <div className="mx-auto flex max-w-7xl flex-wrap items-center justify-between gap-3 px-4 py-3 sm:px-6">
        <nav aria-label="Main" className="flex flex-wrap items-center gap-4 text-sm">
          <Link href="/" className="inline-flex items-center gap-1.5 rounded font-semibold text-indigo-700 hover:underline focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600">
            <Home aria-hidden="true" className="size-4" />
            commerce-pix
          </Link>
          {PAGES.map((page) => (
            <Link
              key={page.href}
              href={page.href}
              aria-current={page.href === current ? 'page' : undefined}
              className={`${linkClass} ${page.href === current ? 'text-slate-900' : 'text-slate-700'}`}
            >
              {page.label}
            </Link>
          ))}
        </nav>
        <div className="flex items-center gap-3 text-sm">
          <span className="text-slate-600">
            Signed in as <strong className="font-medium text-slate-900" data-testid="user-email">{email}</strong>
          </span>
          <LogoutButton />
        </div>
      </div>
    </header>
  );
}
