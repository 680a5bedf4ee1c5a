import type { DbClient } from './client-binding';
import { newAssetSchema, newProjectSchema, uuidSchema, type Asset, type NewAsset, type NewProject, type Project } from './job-types';
import { parseInput, unwrap } from './query-result';

/** The caller's projects and assets: what generation jobs point at. Same shape as the job helpers. */

const PROJECT_COLUMNS = 'id, user_id, name, created_at, updated_at';
export const ASSET_COLUMNS = 'id, user_id, project_id, name, storage_path, bucket, kind, mime_type, size_bytes, width, height, created_at, updated_at';

export async function getProjects(client: DbClient): Promise<Project[]> {
  return unwrap(await client.from('projects').select(PROJECT_COLUMNS).order('created_at', { ascending: false }).limit(100));
}

export async function createProject(client: DbClient, data: NewProject): Promise<Project> {
  const input = parseInput(newProjectSchema, data, 'new project');
  return unwrap(await client.from('projects').insert(input).select(PROJECT_COLUMNS).single());
}

export async function getProjectAssets(client: DbClient, projectId: string): Promise<Asset[]> {
  const id = parseInput(uuidSchema, projectId, 'project id');
  return unwrap(
    await client.from('assets').select(ASSET_COLUMNS).eq('project_id', id).order('created_at', { ascending: false }).limit(200),
  );
}

export async function createAsset(client: DbClient, data: NewAsset): Promise<Asset> {
  const { kind, size_bytes, bucket, width, height, ...rest } = data;
  const input = parseInput(newAssetSchema, rest, 'new asset');
  const extra = Object.fromEntries(Object.entries({ kind, size_bytes, bucket, width, height }).filter(([, value]) => value !== undefined));
  return unwrap(
    await client
      .from('assets')
      .insert({ ...input, ...extra })
      .select(ASSET_COLUMNS)
      .single(),
  );
}

export const projectQueries = { getProjects, createProject, getProjectAssets, createAsset };
