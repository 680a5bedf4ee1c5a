'use client';

import { toast } from 'sonner';
import type { BudgetUsage } from '@/lib/db/budget-types';
import { deleteBudgetClient, setBudgetClient } from '@/lib/db/generation-jobs-client';
import { Panel } from '@/components/jobs/panel';
import { formatCents } from '@/components/jobs/format';
import { toastError } from '@/components/jobs/report-error';
import { BudgetRow } from './budget-row';

interface BudgetPanelProps {
  /** This month's usage (dashboard data): the account's row, then projects'. */
  usage: BudgetUsage[];
  projectId: string | null;
  projectName: string | null;
  /** Re-reads the dashboard after a change. */
  onChanged: () => Promise<void>;
}

const monthName = new Intl.DateTimeFormat('en-US', { month: 'long', year: 'numeric', timeZone: 'UTC' });

/**
 * Monthly budgets (UTC calendar month) of the account and of the selected project, each against what is
 * spent (finished jobs) and reserved (queued and running ones). The database refuses a job that would pass
 * either; the job form says why.
 */
export function BudgetPanel({ usage, projectId, projectName, onChanged }: BudgetPanelProps) {
  const account = usage.find((row) => row.scope === 'account');
  const month = account?.month ?? new Date().toISOString().slice(0, 10);
  const project = projectId
    ? (usage.find((row) => row.project_id === projectId) ?? {
        scope: 'project' as const,
        project_id: projectId,
        project_name: projectName,
        month,
        limit_cents: null,
        reserved_cents: 0,
        settled_cents: 0,
      })
    : null;

  async function change(what: string, action: () => Promise<string>): Promise<boolean> {
    try {
      toast.success(await action());
      return true;
    } catch (error) {
      toastError(`Could not ${what}`, error);
      return false;
    } finally {
      await onChanged();
    }
  }

  const save = (scopeProject: string | null, label: string) => (cents: number) =>
    change(`set the ${label} budget`, async () => {
      await setBudgetClient({ project_id: scopeProject, monthly_limit_cents: cents });
      return `${label} budget set to ${formatCents(cents)} a month`;
    });
  const remove = (scopeProject: string | null, label: string) => () =>
    change(`remove the ${label} budget`, async () => {
      await deleteBudgetClient(scopeProject);
      return `${label} budget removed`;
    });

  return (
    <Panel
      titleId="budgets-heading"
      title="Budgets"
      actions={<p className="text-xs text-slate-600">{monthName.format(new Date(`${month}T00:00:00Z`))} (UTC)</p>}
    >
      <div className="space-y-5">
        {account && <BudgetRow label="Account" usage={account} onSave={save(null, 'Account')} onRemove={remove(null, 'Account')} />}
        {project && projectId && (
          <BudgetRow
            key={projectId}
            label={projectName ?? 'Project'}
            usage={project}
            onSave={save(projectId, projectName ?? 'Project')}
            onRemove={remove(projectId, projectName ?? 'Project')}
          />
        )}
        <p className="text-xs text-slate-600">
          Creating a job reserves its price; finishing settles the final cost (failed and canceled jobs cost what
          the provider reported, usually nothing). A job that would pass a limit is refused.
        </p>
      </div>
    </Panel>
  );
}
