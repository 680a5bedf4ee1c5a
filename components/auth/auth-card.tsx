import Link from 'next/link';
import type { ReactNode } from 'react';

/** The frame of the small auth pages (reset password, new password, second factor). */
export function AuthCard({ title, intro, children }: { title: string; intro?: ReactNode; children: ReactNode }) {
  return (
    <main className="mx-auto flex min-h-screen max-w-md flex-col justify-center gap-6 px-6 py-12">
      <Link href="/" className="text-sm font-semibold uppercase tracking-wide text-indigo-700 hover:underline">
        commerce-pix
      </Link>
      <section className="space-y-4 rounded-lg border border-slate-200 bg-white p-6 shadow-sm">
        <h1 className="text-2xl font-bold tracking-tight">{title}</h1>
        {intro && <div className="text-sm text-slate-600">{intro}</div>}
        {children}
      </section>
    </main>
  );
}
