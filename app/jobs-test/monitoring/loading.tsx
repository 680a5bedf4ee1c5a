export default function Loading() {
  return (
    <main aria-busy="true" className="mx-auto max-w-7xl space-y-6 px-4 py-8 sm:px-6">
      <p className="sr-only" role="status">
        Loading the monitoring view…
      </p>
      <div className="h-9 w-64 animate-pulse rounded bg-slate-200" />
      <div className="grid gap-4 lg:grid-cols-2">
        <div className="h-72 animate-pulse rounded-lg bg-slate-200" />
        <div className="h-72 animate-pulse rounded-lg bg-slate-200" />
      </div>
    </main>
  );
}
