'use client';

import { FolderPlus } from 'lucide-react';
import { useState, type FormEvent } from 'react';
import { newProjectSchema, type Project } from '@/lib/db/job-types';
import { buttonClass, inputClass, labelClass } from '@/components/ui/button-styles';
import { FieldError } from './field-error';
import { Panel } from './panel';
import type { ActionResult } from './use-jobs-dashboard';

interface ProjectPickerProps {
  projects: Project[];
  selectedProjectId: string | null;
  switching: boolean;
  onSelect: (projectId: string) => void;
  onCreate: (name: string) => Promise<ActionResult>;
}

export function ProjectPicker({ projects, selectedProjectId, switching, onSelect, onCreate }: ProjectPickerProps) {
  const [name, setName] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);

  async function handleSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const parsed = newProjectSchema.safeParse({ name });
    if (!parsed.success) {
      setError(parsed.error.issues[0].message);
      return;
    }
    setError(null);
    setPending(true);
    const result = await onCreate(parsed.data.name);
    setPending(false);
    if (result.ok) setName('');
  }

  return (
    <Panel titleId="project-heading" title="Project">
      <div className="space-y-4">
        {projects.length === 0 ? (
          <p className="text-sm text-slate-600">No projects yet. Create one to start queueing jobs.</p>
        ) : (
          <div className="space-y-1">
            <label htmlFor="project-select" className={labelClass}>
              Selected project
            </label>
            <select
              id="project-select"
              value={selectedProjectId ?? ''}
              onChange={(event) => onSelect(event.target.value)}
              aria-busy={switching}
              className={inputClass}
            >
              {projects.map((project) => (
                <option key={project.id} value={project.id}>
                  {project.name}
                </option>
              ))}
            </select>
          </div>
        )}

        <form onSubmit={handleSubmit} className="space-y-2" noValidate>
          <label htmlFor="project-name" className={labelClass}>
            New project name
          </label>
          <div className="flex gap-2">
            <input
              id="project-name"
              value={name}
              onChange={(event) => setName(event.target.value)}
              placeholder="Summer catalogue"
              maxLength={100}
              aria-invalid={error ? true : undefined}
              aria-describedby={error ? 'project-name-error' : undefined}
              className={inputClass}
            />
            <button type="submit" disabled={pending} className={buttonClass('secondary', 'shrink-0')}>
              <FolderPlus aria-hidden="true" className="size-4" />
              {pending ? 'Creating…' : 'Create project'}
            </button>
          </div>
          <FieldError id="project-name-error" message={error} />
        </form>
      </div>
    </Panel>
  );
}
