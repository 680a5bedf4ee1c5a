import 'server-only';
import { cache } from 'react';
import { createClient } from '@/lib/supabase/server';
import { assetQueries } from './assets-core';
import { budgetQueries } from './budgets-core';
import { bindClient } from './client-binding';
import { generationJobQueries } from './generation-jobs-core';
import { monitoringQueries } from './monitoring-core';
import { projectQueries } from './projects-core';
import { webhookQueries } from './webhooks-core';

/**
 * Generation-job helpers for server components, server actions and route handlers: the shared core
 * bound to the request's server client. Reads are wrapped in React cache() so one render asks once.
 */
const jobs = bindClient(createClient, generationJobQueries);
const projects = bindClient(createClient, projectQueries);
const assets = bindClient(createClient, assetQueries);
const budgets = bindClient(createClient, budgetQueries);
const webhooks = bindClient(createClient, webhookQueries);
const monitoring = bindClient(createClient, monitoringQueries);

export const getGenerationJobs = cache(jobs.getGenerationJobs);
export const getProjectJobs = cache(jobs.getProjectJobs);
export const getJobsByStatus = cache(jobs.getJobsByStatus);
export const getGenerationJob = cache(jobs.getGenerationJob);
export const getJobStatistics = cache(jobs.getJobStatistics);
export const getRecentJobs = cache(jobs.getRecentJobs);
export const getTotalCosts = cache(jobs.getTotalCosts);
export const getJobEvents = cache(jobs.getJobEvents);
export const getGenerationModes = cache(jobs.getGenerationModes);
export const getArchivedJobs = cache(jobs.getArchivedJobs);

export const getJobMetrics = cache(monitoring.getJobMetrics);
export const getJobTimeseries = cache(monitoring.getJobTimeseries);
export const getLiveWorkers = cache(monitoring.getLiveWorkers);
export const getStuckJobs = cache(monitoring.getStuckJobs);
export const { createGenerationJob, updateGenerationJob, transitionJobStatus, cancelGenerationJob, retryGenerationJob, deleteGenerationJob } = jobs;

export const getProjects = cache(projects.getProjects);
export const getProjectAssets = cache(projects.getProjectAssets);
export const { createProject, createAsset } = projects;

export const getAssetThumbnailUrls = cache(assets.getAssetThumbnailUrls);
export const getAssetFileUrls = cache(assets.getAssetFileUrls);
export const { uploadAsset, deleteAsset } = assets;
export { PRODUCT_IMAGES_BUCKET } from './assets-core';

export const getBudgets = cache(budgets.getBudgets);
export const getBudgetUsage = cache(budgets.getBudgetUsage);
export const getSpend = cache(budgets.getSpend);
export const { setBudget, deleteBudget } = budgets;

export const getWebhookEndpoints = cache(webhooks.getWebhookEndpoints);
export const getWebhookDeliveries = cache(webhooks.getWebhookDeliveries);
export const getWebhookDelivery = cache(webhooks.getWebhookDelivery);
export const {
  createWebhookEndpoint,
  updateWebhookEndpoint,
  deleteWebhookEndpoint,
  revealWebhookSecret,
  rotateWebhookSecret,
  sendWebhookTest,
  replayWebhookDelivery,
} = webhooks;

export * from './budget-types';
export * from './errors';
export * from './job-types';
export * from './webhook-types';
export * from './monitoring-types';
