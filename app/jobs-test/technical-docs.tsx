const SCHEMA_DOC = '/jobs-test/schema-doc';

const USAGE = `// Server component, server action or route handler
import { createGenerationJob, cancelGenerationJob, retryGenerationJob, transitionJobStatus, uploadAsset } from '@/lib/db/generation-jobs';

// An image job: the worker's local provider (sharp) turns the photo into an output asset.
const photo = await uploadAsset({ project_id, file });
const shot = await createGenerationJob({ project_id, mode: 'studio-white', input_asset_id: photo.id, params: { margin: 0.1 } });
// later: shot.output_asset_id names the generated image (getAssetFileUrls signs it for viewing or download)

// Run by the worker: priced from generation_modes, retried with backoff, cancelable.
const job = await createGenerationJob({ project_id, mode: 'lifestyle', provider: 'simulated', params: { duration_ms: 2000 } });
await cancelGenerationJob(job.id);        // queued: canceled at once; running: the worker stops it
const again = await retryGenerationJob(job.id); // a new job, retry_of = job.id

// Manual (the test bench): your own cost, moved by hand.
const manual = await createGenerationJob({ project_id, mode: 'lifestyle', cost_cents: 250 });
await transitionJobStatus(manual.id, 'running');
await transitionJobStatus(manual.id, 'failed', 'Provider timed out after 120 s');

// Client component: the same API with a Client suffix
import { getProjectJobsClient } from '@/lib/db/generation-jobs-client';
const { items, nextCursor } = await getProjectJobsClient(project_id, { limit: 10 });`;

function Heading({ children }: { children: string }) {
  return <h3 className="mt-5 mb-2 font-semibold text-slate-900">{children}</h3>;
}

/** What a developer needs to use the schema and the lib/db helpers, folded away by default. */
export function TechnicalDocs() {
  return (
    <details className="group rounded-lg border border-slate-200 bg-white p-4 shadow-sm sm:p-5">
      <summary className="cursor-pointer rounded text-lg font-semibold focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600">
        Technical documentation
      </summary>
      <div className="mt-2 max-w-none text-sm leading-6 text-slate-700">
        <Heading>Status workflow</Heading>
        <pre className="overflow-x-auto rounded-md bg-slate-900 p-3 font-mono text-xs text-slate-100">
          {'queued  → running → succeeded | failed\nqueued  → canceled\nrunning → canceled\nrunning → queued     (a retry after a failed attempt, or a lost lease)'}
        </pre>
        <p className="mt-2">
          <code>succeeded</code>, <code>failed</code> and <code>canceled</code> are terminal. The database enforces the
          workflow for every caller (SQLSTATE <code>PJ001</code>). Only <code>manual</code> jobs move by hand; the
          status, attempts, leases, timestamps and cost of the others belong to the worker (<code>PJ009</code>,{' '}
          <code>PJ010</code>). Every change is recorded in <code>job_events</code>.
        </p>

        <Heading>SQL functions</Heading>
        <ul className="list-disc space-y-1 pl-5">
          <li>
            <code>get_job_statistics()</code>: count, total and average cost per status (zeros included) for the caller.
          </li>
          <li>
            <code>get_recent_jobs(job_limit)</code>: the caller&apos;s latest jobs (limit clamped to 1–100).
          </li>
          <li>
            <code>transition_job_status(job_id, new_status, error)</code>: moves a manual job by hand, returns the row.
          </li>
          <li>
            <code>cancel_generation_job(job_id)</code>, <code>retry_generation_job(job_id)</code>: for your own jobs.
          </li>
          <li>
            View <code>generation_job_summary</code> (<code>security_invoker</code>): totals per user, project and status.
          </li>
        </ul>

        <Heading>Row level security</Heading>
        <p>
          <code>projects</code>, <code>assets</code> and <code>generation_jobs</code> each have select, insert, update and
          delete policies for <code>authenticated</code> on <code>(select auth.uid()) = user_id</code>. A job may only
          point at your own project and an asset of that project; <code>anon</code> has no access at all. Photos live in the
          private Storage bucket <code>product-images</code> under <code>{'{user_id}/{project_id}/'}</code>; policies on{' '}
          <code>storage.objects</code> let you read and write only your own folder.
        </p>

        <Heading>Budgets and webhooks</Heading>
        <p>
          Monthly limits (UTC) for the account and per project: creating a job reserves its price, finishing settles the
          final cost (failed and canceled jobs: what the provider reported, else nothing), and the database refuses a job
          that would pass a limit (<code>PJ008</code>, figures in <code>details</code>), atomically under concurrent
          creators. Spend is a rollup the database keeps (<code>job_spend</code>), so reading it costs the same at a million
          jobs. Webhook endpoints get a project&apos;s job events signed per Standard Webhooks, from an outbox written in the
          job&apos;s own transaction; the worker retries them with backoff and logs every attempt (<code>getBudgetUsage</code>,{' '}
          <code>setBudget</code>, <code>createWebhookEndpoint</code>, <code>replayWebhookDelivery</code>…).
        </p>

        <Heading>TypeScript API (lib/db)</Heading>
        <p>
          <code>lib/db/generation-jobs.ts</code> (server) and <code>lib/db/generation-jobs-client.ts</code> (browser,{' '}
          <code>Client</code> suffix): <code>getGenerationJobs</code>, <code>getProjectJobs</code>,{' '}
          <code>getJobsByStatus</code>, <code>getGenerationJob</code>, <code>createGenerationJob</code>,{' '}
          <code>updateGenerationJob</code>, <code>transitionJobStatus</code>, <code>cancelGenerationJob</code>,{' '}
          <code>retryGenerationJob</code>, <code>getJobEvents</code>, <code>getGenerationModes</code>, <code>deleteGenerationJob</code>,{' '}
          <code>getJobStatistics</code>, <code>getRecentJobs</code>, <code>getTotalCosts</code>, plus{' '}
          <code>getProjects</code>, <code>createProject</code>, <code>getProjectAssets</code>, <code>createAsset</code>, and for
          files in Storage <code>uploadAsset</code>, <code>deleteAsset</code>, <code>getAssetThumbnailUrls</code>.
          Inputs are checked with zod; failures throw a <code>GenerationJobError</code> subclass with <code>kind</code>,
          the database&apos;s <code>message</code>, <code>code</code> and <code>hint</code>.
        </p>
        <pre className="mt-2 overflow-x-auto rounded-md bg-slate-900 p-3 font-mono text-xs text-slate-100">{USAGE}</pre>

        <p className="mt-4">
          Full reference:{' '}
          <a href={SCHEMA_DOC} className="font-medium text-indigo-700 underline hover:text-indigo-600">
            docs/GENERATION_JOBS_SCHEMA.md
          </a>{' '}
          (tables, error codes, functions, RLS, performance notes and the roadmap).
        </p>
      </div>
    </details>
  );
}
