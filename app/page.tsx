import Link from 'next/link';

export default function HomePage() {
  return (
    <main className="mx-auto flex min-h-screen max-w-3xl flex-col justify-center gap-8 px-6 py-16">
      <div className="space-y-3">
        <p className="text-sm font-semibold uppercase tracking-wide text-indigo-600">commerce-pix</p>
        <h1 className="text-4xl font-bold tracking-tight">Generation jobs</h1>
        <p className="text-lg text-slate-600">
          Queue AI product-photo generations, move them through <code>queued → running → succeeded | failed</code>,
          and watch statistics and costs, on real Postgres with row-level security.
        </p>
      </div>
      <nav aria-label="Main" className="flex flex-wrap gap-3">
        <Link
          href="/jobs-test"
          className="rounded-md bg-indigo-600 px-4 py-2 font-medium text-white hover:bg-indigo-500 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600"
        >
          Open the jobs dashboard
        </Link>
        <Link
          href="/login"
          className="rounded-md border border-slate-300 bg-white px-4 py-2 font-medium hover:bg-slate-100 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600"
        >
          Sign in
        </Link>
      </nav>
    </main>
  );
}
